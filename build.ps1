#!/usr/bin/env pwsh
# VmLab bootstrap (PowerShell): same meaning as build.sh.
#   ./build.ps1                         full reproduction (default target)
#   ./build.ps1 --target=Test           the test suite
$ErrorActionPreference = 'Stop'
Set-Location -Path $PSScriptRoot

$requiredMajor = 10
if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) {
    Write-Error "build.ps1: the .NET SDK is not installed (need $requiredMajor.x). Install it: https://learn.microsoft.com/dotnet/core/install , then run ./build.ps1 again."
    exit 127
}
$sdk = (& dotnet --version 2>$null)
if (-not $sdk -or $sdk.Split('.')[0] -ne "$requiredMajor") {
    Write-Error "build.ps1: found .NET SDK '$sdk', VmLab needs $requiredMajor.x (see global.json)."
    exit 1
}

$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:CAKE_SETTINGS_ENABLESCRIPTCACHE = 'true' # Cake keeps the compiled build script (build/tools/cache): a no-op target takes seconds
& dotnet tool restore | Out-Null
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
& dotnet cake build/build.cake @args
exit $LASTEXITCODE
