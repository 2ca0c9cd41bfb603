#if canImport(CJemalloc)
    import CJemalloc
    import CJemallocConfig

    /// Which allocator this build links and how it runs, for the summaries: jemalloc's own
    /// answers for transparent huge pages (`opt.thp`) and for how long it keeps freed pages
    /// (`opt.dirty_decay_ms`), so that a `MALLOC_CONF` override shows.
    let allocatorName: String = {
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
        return name
    }()
#else
    let allocatorName = "system malloc"
#endif
