#!/usr/bin/python3
"""Rehearse a GitHub Actions workflow of this repository on this machine, as GitHub would run it (issue 25).

Not a general workflow runner: it reads .github/workflows/<file> (PyYAML, Debian's python3-yaml) and runs the `run:`
steps of its jobs, in `needs` order, as a non-root user with password-less sudo (like `runner` on a hosted runner), in
a fresh clone of the committed branch owned by that user (one per job: every job gets a fresh machine on GitHub). It
plays the parts of the few actions the workflows use:

  actions/checkout            a clone of a git bundle of the source's HEAD (the committed state, nothing else)
  actions/setup-dotnet        puts the machine's dotnet first on PATH (DOTNET_ROOT set), as setup-dotnet does
  actions/cache[/restore|/save]  tar and untar of the cache paths as that user (exact key, then restore-keys by
                              prefix, newest first; `!` paths excluded; saved at the job's end only if it succeeded
                              and the key was not hit; a tar failure is a warning, as in actions/cache)
  actions/upload-artifact     a copy of the path, hidden files only with include-hidden-files, 409 without overwrite
  actions/download-artifact   copies by name or pattern into path/<name>/
  strategy.matrix             the matrix expression (the plan's JSON), one job per include entry
  uses: ./.github/workflows/x a reusable workflow, rehearsed with the job's `with:` as inputs

Expressions (${{ }}, `if:`) are evaluated for the contexts these workflows use (github, inputs, env, matrix, needs,
steps, runner, secrets) with GitHub's operators and functions (success, failure, cancelled, always, startsWith,
contains, format, fromJSON, toJSON, hashFiles). A step's `timeout-minutes` and a job's are enforced: SIGINT to the
step's process group, SIGTERM 7.5 s later, SIGKILL 2.5 s after (GitHub's cancel sequence); a job that times out is
cancelled. The release steps publish to the fake GitHub API of the release tests (FakeGitHubServer), started with
--fake-github. Everything goes to <dir>/rehearsal.log as well as the terminal.

Run as root (it creates the user and runs steps through sudo -u). README: "Rehearsing the workflows".
"""
import argparse, datetime, fnmatch, glob, hashlib, json, os, pwd, re, shutil, signal, subprocess, sys, tempfile, time

import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# This machine's network setup, passed to every step (and logged): its CA bundle and proxy, which a hosted runner has
# built in. Nothing else of the caller's environment reaches a step.
MACHINE_ENV = {k: v for k, v in os.environ.items()
               if k in ("NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO", "NUGET_CERT_REVOCATION_MODE")
               or k.lower() in ("http_proxy", "https_proxy", "no_proxy")}


# ---------------------------------------------------------------------------------------------------------- expressions
class Expr:
    """GitHub Actions expressions: https://docs.github.com/actions/reference/workflows-and-actions/expressions"""
    TOKEN = re.compile(r"\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|<=|>=|&&|\|\||[<>!()\[\],.*])|(?P<id>[A-Za-z_][A-Za-z0-9_-]*))")

    def __init__(self, text, ctx):
        self.tokens, pos = [], 0
        text = text.strip()
        while pos < len(text):
            m = self.TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise ValueError(f"cannot parse expression at {text[pos:]!r}")
            kind = m.lastgroup
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.i, self.ctx = 0, ctx

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def take(self, value=None):
        tok = self.peek()
        if value is not None and tok[1] != value:
            raise ValueError(f"expected {value}, got {tok[1]}")
        self.i += 1
        return tok

    def parse(self):
        v = self.or_()
        if self.i != len(self.tokens):
            raise ValueError(f"trailing tokens {self.tokens[self.i:]}")
        return v

    def or_(self):
        v = self.and_()
        while self.peek()[1] == "||":
            self.take()
            w = self.and_()
            v = v if truthy(v) else w
        return v

    def and_(self):
        v = self.unary()
        while self.peek()[1] == "&&":
            self.take()
            w = self.unary()
            v = w if truthy(v) else v
        return v

    def unary(self):
        if self.peek()[1] == "!":
            self.take()
            return not truthy(self.unary())
        return self.cmp()

    def cmp(self):
        v = self.primary()
        if self.peek()[1] in ("==", "!=", "<", ">", "<=", ">="):
            op = self.take()[1]
            return compare(v, self.primary(), op)
        return v

    def primary(self):
        kind, tok = self.take()
        if kind == "num":
            v = float(tok)
            return int(v) if v.is_integer() else v
        if kind == "str":
            return tok[1:-1].replace("''", "'")
        if tok == "(":
            v = self.or_()
            self.take(")")
            return v
        if kind != "id":
            raise ValueError(f"unexpected {tok}")
        if tok in ("true", "false"):
            return tok == "true"
        if tok == "null":
            return None
        if self.peek()[1] == "(":
            self.take()
            args = []
            while self.peek()[1] != ")":
                args.append(self.or_())
                if self.peek()[1] == ",":
                    self.take()
            self.take(")")
            return self.call(tok, args)
        v = self.ctx.get(tok)
        while self.peek()[1] in (".", "["):
            if self.take()[1] == ".":
                key = self.take()[1]
            else:
                key = self.or_()
                self.take("]")
            v = v.get(key) if isinstance(v, dict) else None
        return v

    def call(self, name, args):
        status = self.ctx.get("__status", "success")
        f = name.lower()
        if f == "success": return status == "success"
        if f == "failure": return status == "failure"
        if f == "cancelled": return status == "cancelled"
        if f == "always": return True
        if f == "startswith": return tostr(args[0]).lower().startswith(tostr(args[1]).lower())
        if f == "endswith": return tostr(args[0]).lower().endswith(tostr(args[1]).lower())
        if f == "contains":
            return any(tostr(x).lower() == tostr(args[1]).lower() for x in args[0]) if isinstance(args[0], list) else tostr(args[1]).lower() in tostr(args[0]).lower()
        if f == "format": return re.sub(r"\{(\d+)\}", lambda m: tostr(args[int(m.group(1)) + 1]), args[0])
        if f == "fromjson": return json.loads(args[0])
        if f == "tojson": return json.dumps(args[0])
        if f == "hashfiles": return hash_files(self.ctx["github"]["workspace"], args)
        raise ValueError(f"function {name} is not rehearsed")


def truthy(v):
    return v not in (None, False, 0, "") and v == v


def tostr(v):
    if v is None: return ""
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, (dict, list)): return json.dumps(v)
    if isinstance(v, float) and v.is_integer(): return str(int(v))
    return str(v)


def tonum(v):
    if isinstance(v, bool): return 1 if v else 0
    if v is None: return 0
    if isinstance(v, (int, float)): return v
    try: return float(v) if v.strip() else 0
    except (ValueError, AttributeError): return float("nan")


def compare(a, b, op):
    if isinstance(a, str) and isinstance(b, str):
        a, b = a.lower(), b.lower()  # GitHub compares strings ignoring case
    elif type(a) != type(b) or isinstance(a, bool):
        a, b = tonum(a), tonum(b)
    return {"==": a == b, "!=": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def evaluate(text, ctx):
    return Expr(text, ctx).parse()


def interpolate(value, ctx):
    """A workflow value with ${{ }} replaced; a value that is one whole expression keeps its type."""
    if not isinstance(value, str):
        return value
    # One whole expression only when no other "}}" is inside: "${{ a }}-x-${{ b }}" is two, interpolated as text.
    whole = re.fullmatch(r"\$\{\{((?:(?!\}\}).)*)\}\}", value.strip(), re.S)
    if whole:
        return evaluate(whole.group(1), ctx)
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: tostr(evaluate(m.group(1), ctx)), value, flags=re.S)


def condition(value, ctx, default="success()"):
    if value is None:
        value = default
    if isinstance(value, bool):
        return value
    text = value.strip()
    m = re.fullmatch(r"\$\{\{((?:(?!\}\}).)*)\}\}", text, re.S)
    text = m.group(1) if m else text
    if not re.search(r"\b(success|failure|cancelled|always)\s*\(", text):
        text = f"success() && ({text})"  # GitHub adds the status check a condition does not make itself
    return truthy(evaluate(text, ctx))


def hash_files(workspace, patterns):
    files = sorted({f for p in patterns for f in glob.glob(os.path.join(workspace, p), recursive=True) if os.path.isfile(f)})
    if not files:
        return ""
    total = hashlib.sha256()
    for f in files:
        total.update(hashlib.sha256(open(f, "rb").read()).digest())
    return total.hexdigest()


# ------------------------------------------------------------------------------------------------------------- runner
class Rehearsal:
    def __init__(self, args):
        self.args = args
        self.dir = os.path.abspath(args.dir)
        self.user = args.user
        self.log = None
        self.run_id = str(args.run_id or int(time.time()))
        self.uploads = os.path.join(self.dir, "uploads")
        self.cache = os.path.join(self.dir, "cache")
        self.extra_env = dict(e.split("=", 1) for e in args.env)
        self.github = {}  # the fake GitHub's endpoint, when started
        self.failed = False
        self.masks = set()  # values a step masked with ::add-mask::

    # ---- output
    def say(self, line):
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%H:%M:%S")
        text = f"{stamp} {line}".rstrip()  # a terminal progress line pads with spaces
        print(text, flush=True)
        if self.log:
            self.log.write(text + "\n")
            self.log.flush()

    # ---- machine
    def setup(self):
        if os.geteuid() != 0:
            sys.exit("rehearse.py runs as root: it creates the runner user and runs each step as that user through sudo")
        if shutil.which("sudo") is None:
            subprocess.run(["apt-get", "install", "-y", "-q", "sudo"], check=True)
        try:
            pwd.getpwnam(self.user)
        except KeyError:
            subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", self.user], check=True)
        sudoers = f"/etc/sudoers.d/rehearse-{self.user}"
        if not os.path.exists(sudoers):
            with open(sudoers + ".tmp", "w") as f:
                f.write(f"# tests/workflows/rehearse.py: {self.user} has password-less sudo, as on a GitHub-hosted runner\n{self.user} ALL=(ALL) NOPASSWD:ALL\n")
            os.chmod(sudoers + ".tmp", 0o440)
            subprocess.run(["visudo", "-c", "-f", sudoers + ".tmp"], check=True, stdout=subprocess.DEVNULL)
            os.rename(sudoers + ".tmp", sudoers)
        pw = pwd.getpwnam(self.user)
        self.uid, self.gid, self.home = pw.pw_uid, pw.pw_gid, pw.pw_dir
        for d in (self.dir, self.uploads, self.cache):
            os.makedirs(d, exist_ok=True)
            os.chown(d, self.uid, self.gid)
        self.log = open(os.path.join(self.dir, "rehearsal.log"), "a")
        # The committed state of the source checkout, as the clone of every job sees it.
        self.sha = subprocess.run(["git", "-C", self.args.repo, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
        self.bundle = os.path.join(self.dir, "source.bundle")
        subprocess.run(["git", "-C", self.args.repo, "bundle", "create", "-q", self.bundle, "HEAD"], check=True)
        os.chown(self.bundle, self.uid, self.gid)
        self.say(f"rehearsal of {self.args.workflow} at {self.sha[:12]} as user {self.user} in {self.dir} (run id {self.run_id})")
        if MACHINE_ENV:
            self.say(f"this machine's network settings for every step: {', '.join(sorted(MACHINE_ENV))}")
        if self.extra_env:
            self.say(f"extra environment for every step (not in the workflow): {self.extra_env}")

    def as_user(self, argv, **kw):
        return subprocess.run(["sudo", "-u", self.user, "--", *argv], **kw)

    # ---- fake GitHub
    def start_fake_github(self):
        fake = os.path.join(self.dir, "fake-github")
        shutil.rmtree(fake, ignore_errors=True)
        tests = os.path.join(self.args.repo, "tests/VmLab.Tests/bin/Release/net10.0/VmLab.Tests")
        if not os.path.exists(tests):
            sys.exit(f"{tests} is missing: build the tests first (dotnet build VmLab.slnx -c Release)")
        env = dict(os.environ, VMLAB_FAKE_GITHUB=fake)
        self.fake = subprocess.Popen([tests, "-method", "VmLab.Tests.Release.FakeGitHubServer.Serve"], env=env,
                                     stdout=open(os.path.join(self.dir, "fake-github.log"), "w"), stderr=subprocess.STDOUT)
        for _ in range(300):
            if os.path.exists(os.path.join(fake, "endpoint.json")):
                break
            time.sleep(0.2)
        else:
            sys.exit("the fake GitHub API did not start (see fake-github.log)")
        self.github = json.load(open(os.path.join(fake, "endpoint.json")))
        self.say(f"fake GitHub API (FakeGitHub of the release tests, immutable releases on) at {self.github['apiUrl']} for {self.github['repository']}")

    def stop_fake_github(self):
        if not self.github:
            return
        fake = os.path.join(self.dir, "fake-github")
        open(os.path.join(fake, "stop"), "w").close()
        self.fake.wait(timeout=60)
        state = json.load(open(os.path.join(fake, "releases.json")))
        for r in state["releases"]:
            self.say(f"fake GitHub: release {r['Tag']} draft={r['Draft']} make_latest={r['MakeLatest']} assets: {', '.join(a['Name'] for a in r['assets'])}")
        self.say(f"fake GitHub: latest release {state['latest']}; {len(state['requests'])} requests, unmatched: {state['unmatched'] or 'none'}")

    # ---- workflow
    def workflow(self, path, event, inputs, prefix=""):
        wf = yaml.safe_load(open(path))
        on = wf.get(True, wf.get("on")) or {}  # YAML 1.1 reads the key `on` as true
        on = {on: None} if isinstance(on, str) else {t: None for t in on} if isinstance(on, list) else on
        declared = {}
        for trigger in ("workflow_call", "workflow_dispatch"):
            declared.update(((on.get(trigger) or {}).get("inputs")) or {})
        given = dict(inputs)
        resolved = {}
        for name, spec in declared.items():
            value = given.pop(name, spec.get("default") if event in ("workflow_dispatch", "workflow_call") else None)
            if spec.get("type") == "boolean" and isinstance(value, str):
                value = value.lower() == "true"
            resolved[name] = value
        if given:
            sys.exit(f"{path} has no input(s) {', '.join(given)}")
        jobs = wf["jobs"]
        order, done = [], set()
        while len(order) < len(jobs):
            ready = [j for j in jobs if j not in done and all(n in done for n in as_list(jobs[j].get("needs")))]
            if not ready:
                sys.exit(f"{path}: a cycle in needs")
            order += ready
            done.update(ready)
        results = {}
        for name in order:
            job = jobs[name]
            needs = {n: results[n] for n in as_list(job.get("needs"))}
            ctx = self.context(event, resolved, needs)
            # success() holds when every needed job succeeded; a skipped one makes it false without making failure() true.
            results_of_needs = [r["result"] for r in needs.values()]
            ctx["__status"] = ("success" if all(r == "success" for r in results_of_needs) else "cancelled" if "cancelled" in results_of_needs
                               else "failure" if "failure" in results_of_needs else "skipped")
            only = self.args.job
            if only and name not in only and not prefix:
                self.say(f"{prefix}job {name}: not selected (--job)")
                results[name] = {"result": "skipped", "outputs": {}}
                continue
            if not condition(job.get("if"), ctx):
                self.say(f"{prefix}job {name}: skipped (if: {job.get('if', 'success()')})")
                results[name] = {"result": "skipped", "outputs": {}}
                continue
            if "uses" in job:
                self.say(f"{prefix}job {name}: calls {job['uses']}")
                with_ = {k: interpolate(v, ctx) for k, v in (job.get("with") or {}).items()}
                inner = self.workflow(os.path.join(REPO, job["uses"].removeprefix("./")), "workflow_call", with_, prefix + name + " / ")
                failed = any(r["result"] == "failure" for r in inner.values())
                results[name] = {"result": "failure" if failed else "success", "outputs": {}}
                continue
            strategy = job.get("strategy") or {}
            matrix = interpolate(strategy.get("matrix"), ctx) if strategy.get("matrix") is not None else None
            entries = (matrix or {}).get("include") or [None] if matrix is not None else [None]
            outcomes = []
            for entry in entries:
                outcomes.append(self.job(prefix + name, job, wf, event, resolved, needs, entry))
            result = "failure" if any(o["result"] == "failure" for o in outcomes) else "cancelled" if any(o["result"] == "cancelled" for o in outcomes) else "success"
            results[name] = {"result": result, "outputs": outcomes[-1]["outputs"]}
        return results

    def context(self, event, inputs, needs, workspace=""):
        return {
            "github": {"event_name": event, "workspace": workspace, "run_id": self.run_id, "run_attempt": "1", "sha": self.sha,
                       "ref": self.args.ref, "repository": self.github.get("repository", "vmlab-org/vmlab"), "server_url": "https://github.com"},
            "inputs": inputs, "needs": needs, "runner": {"os": "Linux", "arch": "X64", "temp": "/tmp"},
            "secrets": {"GITHUB_TOKEN": self.github.get("token", "")}, "env": {}, "steps": {}, "vars": {},
        }

    # ---- job
    def job(self, name, job, wf, event, inputs, needs, entry):
        label = name + (f" ({entry.get('shard', json.dumps(entry))})" if entry else "")
        jobdir = os.path.join(self.dir, "jobs", re.sub(r"[^A-Za-z0-9_.-]+", "-", label).strip("-"))
        if os.path.exists(jobdir):
            subprocess.run(["rm", "-rf", jobdir], check=True)  # root-owned leftovers of an earlier rehearsal included
        os.makedirs(jobdir)
        os.chown(jobdir, self.uid, self.gid)
        workspace = os.path.join(jobdir, "vmlab")
        # A fresh machine's home too: nothing from an earlier job (NuGet packages, dotnet's first-run files) unless a cache brings it.
        self.home = os.path.join(jobdir, "home")
        os.makedirs(self.home)
        os.chown(self.home, self.uid, self.gid)
        if self.args.link_shared:
            os.symlink(self.args.link_shared, os.path.join(jobdir, "shared"))  # ../shared/third_party, as beside /work's checkouts
        ctx = self.context(event, inputs, needs, workspace)
        ctx["matrix"] = entry or {}
        ctx["strategy"] = {"job-index": 0}
        env = {}
        for level in (wf.get("env"), job.get("env")):
            for k, v in (level or {}).items():
                env[k] = tostr(interpolate(v, dict(ctx, env=env)))
        ctx["env"] = env
        runs_on = interpolate(job.get("runs-on"), ctx)
        timeout = float(interpolate(job.get("timeout-minutes", 360), ctx))
        self.say(f"=== job {label} (runs-on {runs_on}, timeout {timeout:g} min) in {workspace}")
        deadline = time.monotonic() + timeout * 60
        path_extra, post, status = [], [], "success"
        ctx["__status"] = "success"
        for index, step in enumerate(job.get("steps") or []):
            sid = step.get("id") or f"__{index}"
            title = step.get("name") or step.get("uses") or step.get("run", "").splitlines()[0]
            title = tostr(interpolate(title, ctx))
            if not condition(step.get("if"), ctx):
                self.say(f"--- step {title}: skipped (if: {step.get('if', 'success()')})")
                ctx["steps"][sid] = {"outcome": "skipped", "conclusion": "skipped", "outputs": {}}
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                status = "cancelled"
                ctx["__status"] = status
                self.say(f"--- job {label}: timed out after {timeout:g} min: cancelled")
                break
            self.say(f"--- step {title}")
            step_env = dict(env)
            for k, v in (step.get("env") or {}).items():
                step_env[k] = tostr(interpolate(v, dict(ctx, env=step_env)))
            try:
                if "uses" in step:
                    outcome, outputs = self.action(step, ctx, workspace, jobdir, path_extra, post)
                else:
                    limit = min(left, float(interpolate(step.get("timeout-minutes"), ctx)) * 60 if step.get("timeout-minutes") else left)
                    outcome, outputs = self.run(step, ctx, step_env, workspace, jobdir, path_extra, limit, limit < left)
            except Exception as ex:  # a rehearsal error is the step's failure, said plainly
                outcome, outputs = "failure", {}
                self.say(f"    error: {ex}")
            ctx["steps"][sid] = {"outcome": outcome, "conclusion": outcome, "outputs": outputs}
            self.say(f"--- step {title}: {outcome}")
            if outcome in ("failure", "cancelled") and status == "success":
                status = "cancelled" if outcome == "cancelled" and time.monotonic() >= deadline else "failure"
                ctx["__status"] = status
        for action in reversed(post):
            action(status)
        outputs = {k: tostr(interpolate(v, ctx)) for k, v in (job.get("outputs") or {}).items()}
        self.say(f"=== job {label}: {status}" + (f"; outputs {outputs}" if outputs else ""))
        if status != "success":
            self.failed = True
        return {"result": status, "outputs": outputs}

    def base_env(self, workspace, jobdir, path_extra, outputs_file):
        env = {
            "HOME": self.home, "USER": self.user, "LOGNAME": self.user, "LANG": "C.UTF-8", "CI": "true",
            "PATH": ":".join(path_extra + ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]),
            "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": workspace, "GITHUB_RUN_ID": self.run_id, "GITHUB_RUN_ATTEMPT": "1",
            "GITHUB_SHA": self.sha, "GITHUB_REF": self.args.ref, "GITHUB_EVENT_NAME": self.args.event,
            "GITHUB_REPOSITORY": self.github.get("repository", "vmlab-org/vmlab"), "GITHUB_OUTPUT": outputs_file,
            "GITHUB_STEP_SUMMARY": os.path.join(jobdir, "summary.md"), "GITHUB_ENV": os.path.join(jobdir, "env"),
            "RUNNER_OS": "Linux", "RUNNER_TEMP": os.path.join(jobdir, "tmp"),
        }
        # A fresh machine's empty /tmp: the job's own (a shared /tmp holds other users' leftovers a runner never sees).
        env["TMPDIR"] = env["RUNNER_TEMP"]
        if self.github:
            env["GITHUB_API_URL"] = self.github["apiUrl"]
        env.update(MACHINE_ENV)
        env.update(self.extra_env)
        return env

    def run(self, step, ctx, step_env, workspace, jobdir, path_extra, limit, step_timeout):
        script = os.path.join(jobdir, "step.sh")
        outputs_file = os.path.join(jobdir, "output")
        with open(script, "w") as f:
            f.write(tostr(interpolate(step["run"], ctx)))
        open(outputs_file, "w").close()
        os.makedirs(os.path.join(jobdir, "tmp"), exist_ok=True)
        for p in (script, outputs_file, os.path.join(jobdir, "tmp")):
            os.chown(p, self.uid, self.gid)
        env = self.base_env(workspace, jobdir, path_extra, outputs_file)
        env.update(step_env)
        cwd = os.path.join(workspace, step.get("working-directory", "")) if os.path.isdir(workspace) else jobdir
        # GitHub's default shell on Linux: bash --noprofile --norc -eo pipefail {0}
        argv = ["sudo", "-u", self.user, "--", "env", "-i", *[f"{k}={v}" for k, v in env.items()], "bash", "--noprofile", "--norc", "-eo", "pipefail", script]
        proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        started, timed_out = time.monotonic(), False
        import threading
        def pump():
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                if line.startswith("::add-mask::"):  # a workflow command: GitHub masks the value from then on
                    self.masks.add(line[len("::add-mask::"):].strip())
                for secret in self.masks:
                    line = line.replace(secret, "***")
                self.say("    " + line)
        reader = threading.Thread(target=pump)
        reader.start()
        while proc.poll() is None:
            if time.monotonic() - started > limit:
                timed_out = True
                self.say(f"    the step {'timed out' if step_timeout else 'ran into the job timeout'} after {limit / 60:.1f} min: SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after")
                for sig, wait in ((signal.SIGINT, 7.5), (signal.SIGTERM, 2.5), (signal.SIGKILL, 0)):
                    try:
                        os.killpg(proc.pid, sig)
                    except ProcessLookupError:
                        break
                    end = time.monotonic() + wait
                    while proc.poll() is None and time.monotonic() < end:
                        time.sleep(0.1)
                break
            time.sleep(0.2)
        proc.wait()
        reader.join()
        outputs = parse_outputs(open(outputs_file).read())
        if timed_out:
            return ("failure" if step_timeout else "cancelled"), outputs
        return ("success" if proc.returncode == 0 else "failure"), outputs

    # ---- actions
    def action(self, step, ctx, workspace, jobdir, path_extra, post):
        uses = step["uses"]
        w = {k: interpolate(v, ctx) for k, v in (step.get("with") or {}).items()}
        name = uses.split("@")[0]
        if name == "actions/checkout":
            self.as_user(["git", "clone", "-q", self.bundle, workspace], check=True)
            self.as_user(["git", "-C", workspace, "checkout", "-q", "-B", self.args.ref.removeprefix("refs/heads/"), self.sha], check=True)
            self.say(f"    cloned {self.sha[:12]} into {workspace} as {self.user}")
            return "success", {}
        if name == "actions/setup-dotnet":
            dotnet = os.path.realpath(shutil.which("dotnet"))
            bindir = os.path.join(jobdir, "dotnet")
            os.makedirs(bindir, exist_ok=True)
            os.symlink(dotnet, os.path.join(bindir, "dotnet"))
            path_extra.insert(0, bindir)
            self.say(f"    dotnet {subprocess.run([dotnet, '--version'], capture_output=True, text=True).stdout.strip()} from {bindir} first on PATH")
            return "success", {}
        if name in ("actions/cache", "actions/cache/restore"):
            hit = self.restore(workspace, w)
            if hit is None and truthy(w.get("fail-on-cache-miss")):
                self.say(f"    cache miss for {w['key']} and fail-on-cache-miss")
                return "failure", {}
            if name == "actions/cache":
                post.append(lambda status: self.save(workspace, w, status, hit == w["key"]))
            return "success", {"cache-hit": "true" if hit == w["key"] else "false", "cache-matched-key": hit or ""}
        if name == "actions/cache/save":
            self.save(workspace, w, "success", False)
            return "success", {}
        if name == "actions/upload-artifact":
            return self.upload(workspace, w), {}
        if name == "actions/download-artifact":
            return self.download(workspace, w), {}
        raise ValueError(f"action {uses} is not rehearsed")

    def cache_paths(self, w):
        paths = [p.strip() for p in tostr(w["path"]).splitlines() if p.strip()]
        include = [p for p in paths if not p.startswith("!")]
        exclude = [p[1:] for p in paths if p.startswith("!")]
        return include, exclude

    def restore(self, workspace, w):
        include, _ = self.cache_paths(w)
        version = hashlib.sha256("|".join(include + self.cache_paths(w)[1]).encode()).hexdigest()[:12]  # paths are part of a cache's version
        key = tostr(w["key"])
        candidates = [key] + [p for p in tostr(w.get("restore-keys", "")).splitlines() if p.strip()]
        entries = sorted(glob.glob(os.path.join(self.cache, version, "*.tar")), key=os.path.getmtime, reverse=True)
        for wanted in candidates:
            for entry in entries:
                stored = os.path.basename(entry)[:-4]
                if stored == wanted or (wanted != key and stored.startswith(wanted)):
                    r = self.as_user(["tar", "-xf", entry, "-C", self.home if include[0].startswith("~") else workspace], capture_output=True, text=True)
                    if r.returncode != 0:
                        self.say(f"    warning: failed to restore {stored}: {r.stderr.strip()[:500]}")
                        return None
                    self.say(f"    cache restored from key {stored}" + (" (exact)" if stored == key else f" (restore-keys {wanted})"))
                    return stored
        self.say(f"    cache not found for {candidates}")
        return None

    def save(self, workspace, w, status, hit):
        key = tostr(w["key"])
        if status != "success" or hit:
            self.say(f"post cache {key}: not saved ({'the exact key was restored' if hit else f'the job ended {status}'})")
            return
        include, exclude = self.cache_paths(w)
        version = hashlib.sha256("|".join(include + exclude).encode()).hexdigest()[:12]
        os.makedirs(os.path.join(self.cache, version), exist_ok=True)
        os.chown(os.path.join(self.cache, version), self.uid, self.gid)
        base = self.home if include[0].startswith("~") else workspace
        rel = [p.replace("~/", "", 1) for p in include if os.path.exists(os.path.join(base, p.replace("~/", "", 1)))]
        if not rel:
            self.say(f"post cache {key}: nothing to save ({include} missing)")
            return
        target = os.path.join(self.cache, version, key + ".tar")
        r = self.as_user(["tar", "-cf", target + ".part", "-C", base, *[f"--exclude={e}" for e in exclude], *rel], capture_output=True, text=True)
        if r.returncode != 0:
            self.say(f"post cache {key}: warning: failed to save: {r.stderr.strip()[:800]}")
            subprocess.run(["rm", "-f", target + ".part"])
            return
        os.rename(target + ".part", target)
        self.say(f"post cache {key}: saved {', '.join(rel)} ({os.path.getsize(target) / 1048576:.0f} MiB)")

    def upload(self, workspace, w):
        name, path = tostr(w["name"]), os.path.join(workspace, tostr(w["path"]))
        target = os.path.join(self.uploads, name)
        if os.path.exists(target) and not truthy(w.get("overwrite")):
            self.say(f"    upload {name}: 409 Conflict: an artifact with this name already exists on the workflow run")
            return "failure"
        if not os.path.exists(path):
            how = tostr(w.get("if-no-files-found") or "warn")
            self.say(f"    upload {name}: no files found at {path} ({how})")
            return "failure" if how == "error" else "success"
        subprocess.run(["rm", "-rf", target], check=True)
        hidden = truthy(w.get("include-hidden-files"))
        if os.path.isdir(path):
            self.as_user(["mkdir", "-p", target], check=True)
            excludes = [] if hidden else ["--exclude=*/.*"]  # a name starting with a dot (members are ./name), not the top folder "."
            r = self.as_user(["tar", "-cf", "-", "-C", path, *excludes, "."], stdout=subprocess.PIPE)
            self.as_user(["tar", "-xf", "-", "-C", target], input=r.stdout, check=True)
            if r.returncode != 0:
                return "failure"
        else:
            self.as_user(["mkdir", "-p", target], check=True)
            self.as_user(["cp", path, target], check=True)
        count = sum(len(f) for _, _, f in os.walk(target))
        self.say(f"    uploaded {name}: {count} files{'' if hidden else ' (hidden files left out)'}")
        return "success"

    def download(self, workspace, w):
        dest = os.path.join(workspace, tostr(w.get("path") or "."))
        if w.get("name"):
            names, nested = [tostr(w["name"])], False
        else:
            names = sorted(n for n in os.listdir(self.uploads) if fnmatch.fnmatch(n, tostr(w.get("pattern") or "*")))
            nested = not truthy(w.get("merge-multiple"))
        for n in names:
            target = os.path.join(dest, n) if nested else dest
            self.as_user(["mkdir", "-p", target], check=True)
            self.as_user(["cp", "-a", os.path.join(self.uploads, n) + "/.", target], check=True)
        self.say(f"    downloaded {', '.join(names) or 'nothing'} into {dest}")
        return "success"


def as_list(v):
    return [] if v is None else [v] if isinstance(v, str) else list(v)


def parse_outputs(text):
    outputs, lines, i = {}, text.splitlines(), 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^([^=<]+)<<(.+)$", line)
        if m:
            value, i = [], i + 1
            while i < len(lines) and lines[i] != m.group(2):
                value.append(lines[i])
                i += 1
            outputs[m.group(1)] = "\n".join(value)
        elif "=" in line:
            k, v = line.split("=", 1)
            outputs[k] = v
        i += 1
    return outputs


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("workflow", help="ci.yml, release.yml or reproduce.yml (under .github/workflows/)")
    p.add_argument("--event", default="workflow_dispatch", help="the triggering event (push, pull_request, schedule, workflow_dispatch)")
    p.add_argument("--input", action="append", default=[], metavar="NAME=VALUE", help="a workflow_dispatch input")
    p.add_argument("--job", action="append", default=[], help="only this job (repeatable); the others are skipped")
    p.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="extra environment for every step, logged (e.g. VMLAB_OFFLINE=1 where kernel.org is unreachable)")
    p.add_argument("--dir", default="/var/tmp/vmlab-rehearsal", help="where the jobs' clones, the cache, the uploads and rehearsal.log go")
    p.add_argument("--repo", default=REPO, help="the checkout whose committed HEAD is rehearsed (default: this one)")
    p.add_argument("--ref", default="refs/heads/main", help="GITHUB_REF")
    p.add_argument("--user", default="runner", help="the non-root user with password-less sudo (created if missing)")
    p.add_argument("--run-id", help="GITHUB_RUN_ID (default: the time)")
    p.add_argument("--fake-github", action="store_true", help="publish releases to the release tests' fake GitHub API (FakeGitHubServer)")
    p.add_argument("--seed-cache", metavar="ARTIFACTS", help="before the rehearsal, store ARTIFACTS/{downloads,kernel,rootfs} (read only) as an older cache entry, as a restore-keys match would find it")
    p.add_argument("--link-shared", default="/work/shared" if os.path.isdir("/work/shared") else None, help="put DIR at ../shared beside each clone (the declared UnixBench copy)")
    args = p.parse_args()
    r = Rehearsal(args)
    r.setup()
    if args.seed_cache:
        seed_cache(r, args.seed_cache)
    # A SIGTERM (kill, a timeout) ends the rehearsal through the finally below, so the fake API does not outlive it
    # (without this a killed rehearsal left its FakeGitHubServer running).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if args.fake_github:
        r.start_fake_github()
    try:
        inputs = dict(i.split("=", 1) for i in args.input)
        results = r.workflow(os.path.join(REPO, ".github", "workflows", args.workflow), args.event, inputs)
    finally:
        r.stop_fake_github()
    summary = ", ".join(f"{k}: {v['result']}" for k, v in results.items())
    r.say(f"rehearsal of {args.workflow}: {summary}")
    sys.exit(1 if r.failed else 0)


def seed_cache(r, artifacts):
    """An older cache entry made from an artifacts folder (read only), found by the workflows' restore-keys prefix."""
    paths = "artifacts/downloads\nartifacts/kernel\nartifacts/rootfs\n!artifacts/rootfs/work"
    include, exclude = r.cache_paths({"path": paths})
    version = hashlib.sha256("|".join(include + exclude).encode()).hexdigest()[:12]
    os.makedirs(os.path.join(r.cache, version), exist_ok=True)
    os.chown(os.path.join(r.cache, version), r.uid, r.gid)
    target = os.path.join(r.cache, version, "lab-artifacts-Linux-seeded.tar")
    if not os.path.exists(target):
        parent = os.path.dirname(os.path.abspath(artifacts))
        name = os.path.basename(os.path.abspath(artifacts))
        members = [f"{name}/{d}" for d in ("downloads", "kernel", "rootfs") if os.path.isdir(os.path.join(artifacts, d))]
        subprocess.run(["tar", "-cf", target + ".part", "-C", parent, f"--exclude={name}/rootfs/work",
                        f"--transform=s,^{name}/,artifacts/,", "--owner=0", "--group=0", *members], check=True)
        os.rename(target + ".part", target)
        os.chown(target, r.uid, r.gid)
        os.utime(target, (0, 0))  # older than anything the rehearsal saves
    r.say(f"seeded the cache with {artifacts} ({', '.join(d for d in ('downloads', 'kernel', 'rootfs') if os.path.isdir(os.path.join(artifacts, d)))}) as lab-artifacts-Linux-seeded")


if __name__ == "__main__":
    main()
