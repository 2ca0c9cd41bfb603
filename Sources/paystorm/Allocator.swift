#if canImport(CJemalloc)
    import CJemalloc
    import CJemallocConfig

    /// Which allocator this build links and how it runs, for the summaries: jemalloc's own
    /// answer (`opt.thp`), so that a `MALLOC_CONF` override shows.
    let allocatorName: String = {
        // Keeps the configuration's object (and its `malloc_conf`) in the link.
        _ = paystorm_jemalloc_configuration()
        var thp: UnsafePointer<CChar>?
        var size = MemoryLayout<UnsafePointer<CChar>?>.size
        guard mallctl("opt.thp", &thp, &size, nil, 0) == 0, let thp else { return "jemalloc" }
        let mode = String(cString: thp)
        return mode == "always" ? "jemalloc, huge pages" : "jemalloc, thp \(mode)"
    }()
#else
    let allocatorName = "system malloc"
#endif
