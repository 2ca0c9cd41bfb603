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
    /// (`arenas.dirty_decay_ms`, what the run set) and whether a thread of its own purges them,
    /// so that a `MALLOC_CONF` override shows.
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
        if mallctl("arenas.dirty_decay_ms", &decay, &decaySize, nil, 0) == 0 {
            name += decay < 0 ? ", freed pages kept" : ", freed pages returned after \(decay) ms"
        }
        var background = false
        var backgroundSize = MemoryLayout<Bool>.size
        if mallctl("background_thread", &background, &backgroundSize, nil, 0) == 0, background {
            name += " by a background thread"
        }
        return name
    }

    /// A realtime run's allocator: freed pages kept 10 s (jemalloc's own default) instead of
    /// `CJemallocConfig`'s 1 s, and purged by jemalloc's background thread instead of inside
    /// the workers' allocations. Nothing when `MALLOC_CONF` is set: the environment wins.
    ///
    /// Why only realtime: the 1 s is for simulated runs, whose clock runs 10-25 times faster
    /// than the wall's, so that their end RSS follows the live heap. A realtime run's clock is
    /// the wall's, and at 10,000 TPS it makes about two million allocations a second: with 1 s
    /// it purged pages (`madvise`, a TLB shootdown to the other core) that it faulted back in
    /// and zeroed soon after, most of the kernel's share of a saturated run (PERFORMANCE.md).
    func configureAllocatorForRealtime() {
        guard getenv("MALLOC_CONF") == nil else { return }
        var decay = 10_000
        let decaySize = MemoryLayout<Int>.size
        // New arenas take `arenas.dirty_decay_ms`; the ones in use are set one by one.
        _ = mallctl("arenas.dirty_decay_ms", nil, nil, &decay, decaySize)
        var arenas: UInt32 = 0
        var arenasSize = MemoryLayout<UInt32>.size
        if mallctl("arenas.narenas", &arenas, &arenasSize, nil, 0) == 0 {
            for arena in 0..<arenas {
                // An arena not yet made answers an error and takes the default when it is.
                _ = mallctl("arena.\(arena).dirty_decay_ms", nil, nil, &decay, decaySize)
            }
        }
        var background = true
        _ = mallctl("background_thread", nil, nil, &background, MemoryLayout<Bool>.size)
    }
#else
    let allocatorName = "system malloc"

    /// Nothing to configure without jemalloc.
    func configureAllocatorForRealtime() {}
#endif
