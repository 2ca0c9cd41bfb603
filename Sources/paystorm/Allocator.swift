#if canImport(CJemalloc)
    import CJemalloc
    import CJemallocConfig
    #if canImport(Glibc)
        import Glibc
    #elseif canImport(Darwin)
        import Darwin
    #endif

    /// Which allocator this build links and how it runs, for the summaries: jemalloc's own
    /// answers for transparent huge pages (`opt.thp`), for how long it keeps freed pages
    /// (`opt.dirty_decay_ms`) and whether a thread of its own purges them, so that a
    /// `MALLOC_CONF` override shows.
    var allocatorName: String {
        // Keeps the configuration's object (and its `malloc_conf`) in the link.
        _ = paystorm_jemalloc_configuration()
        var name = "jemalloc"
        var thp: UnsafePointer<CChar>?
        var thpSize = MemoryLayout<UnsafePointer<CChar>?>.size
        if mallctl("opt.thp", &thp, &thpSize, nil, 0) == 0, let thp {
            switch String(cString: thp) {
            case "always": name += ", huge pages"
            case "never": name += ", no huge pages"
            default: break
            }
        }
        var decay = 0
        var decaySize = MemoryLayout<Int>.size
        if mallctl("opt.dirty_decay_ms", &decay, &decaySize, nil, 0) == 0 {
            name += decay < 0 ? ", freed pages kept" : ", freed pages returned after \(decay) ms"
        }
        var background = false
        var backgroundSize = MemoryLayout<Bool>.size
        if mallctl("background_thread", &background, &backgroundSize, nil, 0) == 0, background {
            name += " by a background thread"
        }
        return name
    }

    /// The allocator of a process on the wall clock (`run --mode realtime`, `capacity`,
    /// `serve`): freed pages are purged by jemalloc's background thread instead of inside the
    /// workers' own allocations and frees, after the same 1 s (`CJemallocConfig`). Nothing when
    /// `MALLOC_CONF` is set: the environment wins.
    ///
    /// Why: at 10,000 TPS and more a realtime run makes millions of allocations a second, and
    /// each worker purged (`madvise`, and the TLB shootdown it sends to the other core) in the
    /// middle of a payment's work: about 3% of a run's samples at 12,000 TPS. The background
    /// thread purges in larger batches, off the workers' path: in-process runs at 13,000-18,000
    /// TPS took less CPU in 14 of 15 pairs and held 16,000 and 17,000 TPS where the inline
    /// purges saturated; over the wire, black-friday's server took less CPU a payment in 4 of
    /// 5 pairs (-2.7% by medians, inside those runs' noise; PERFORMANCE.md, session 29). The
    /// decay stays 1 s, so memory under overload stays what the in-flight budget was set for (a
    /// 10 s decay took the 10x overload past 2 GiB, session 24). Simulated runs keep purging
    /// inline: they run on one thread, and their digest does not depend on it either way.
    func configureAllocatorForRealtime() {
        guard getenv("MALLOC_CONF") == nil else { return }
        var background = true
        _ = mallctl("background_thread", nil, nil, &background, MemoryLayout<Bool>.size)
    }
#else
    let allocatorName = "system malloc"

    /// Nothing to configure without jemalloc.
    func configureAllocatorForRealtime() {}
#endif
