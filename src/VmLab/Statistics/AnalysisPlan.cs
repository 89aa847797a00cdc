namespace VmLab.Statistics;

/// <summary>
/// How a run's comparisons will be read, declared by its profile before the run (lab/profiles.json <c>"analysis"</c>,
/// copied into the manifest when the run starts; a resumed run keeps what it declared). A run whose manifest has none
/// never calls a comparison equivalent and never uses the probe.
/// </summary>
/// <param name="EquivalenceMargin">
/// The change that does not matter: a comparison is "no meaningful difference" only when the whole 95% interval of
/// B/A lies within [1/(1 + m), 1 + m] (0.10: within ±10%).
/// </param>
/// <param name="ProbeCovariate">
/// True to adjust the block test for the calibration probe's rate of each boot (<see cref="BlockTest"/>; it costs one
/// degree of freedom: df = blocks − 2).
/// </param>
public sealed record AnalysisPlan(double EquivalenceMargin, bool ProbeCovariate);
