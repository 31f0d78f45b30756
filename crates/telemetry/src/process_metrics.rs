//! The process's own resident memory, CPU time and open files, read from
//! `/proc/self` at each scrape, under the standard Prometheus names so the
//! service dashboard and any existing alert rules read them as they are.

/// Updates the `process_*` gauges; a no-op where `/proc` is absent.
pub fn record() {
    if let Ok(stat) = std::fs::read_to_string("/proc/self/stat") {
        // Fields after the parenthesised command name, which may hold spaces.
        let fields: Vec<&str> =
            stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
        let ticks = clock_ticks_per_second();
        // utime and stime are fields 14 and 15 of stat(5): 12 and 13 here.
        if let (Some(u), Some(s)) = (fields.get(11), fields.get(12))
            && let (Ok(u), Ok(s)) = (u.parse::<f64>(), s.parse::<f64>())
        {
            metrics::gauge!("process_cpu_seconds_total").set((u + s) / ticks);
        }
        // rss, in pages, is field 24 of stat(5): 21 here.
        if let Some(Ok(pages)) = fields.get(21).map(|p| p.parse::<f64>()) {
            metrics::gauge!("process_resident_memory_bytes").set(pages * 4096.0);
        }
    }
    if let Ok(dir) = std::fs::read_dir("/proc/self/fd") {
        metrics::gauge!("process_open_fds").set(dir.count() as f64);
    }
}

/// `sysconf(_SC_CLK_TCK)` is 100 on every Linux architecture Tvarit runs on;
/// reading it would need libc for one constant.
fn clock_ticks_per_second() -> f64 {
    100.0
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_this_process() {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        metrics::with_local_recorder(&recorder, super::record);
        let text = recorder.handle().render();
        let rss = text
            .lines()
            .find_map(|l| l.strip_prefix("process_resident_memory_bytes "))
            .and_then(|v| v.parse::<f64>().ok())
            .expect("rss gauge");
        assert!(rss > 1_000_000.0 && rss < 10e9, "implausible rss {rss}");
        assert!(text.contains("process_cpu_seconds_total "));
        assert!(text.contains("process_open_fds "));
    }
}
