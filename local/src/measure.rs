//! Measurements shared by the benchmarks.

/// Peak resident memory of a process in MB (Linux `VmHWM`), `pid` being a number or `"self"`;
/// 0 where /proc cannot tell.
pub fn peak_rss_mb(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
