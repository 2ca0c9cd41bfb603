#if canImport(CJemalloc)
    import CJemalloc

    /// Which allocator this build links and how it runs, for the summaries: jemalloc's own
    /// answer for transparent huge pages (`opt.thp`), which `MALLOC_CONF` can turn on.
    let allocatorName: String = {
        var thp: UnsafePointer<CChar>?
        var size = MemoryLayout<UnsafePointer<CChar>?>.size
        guard mallctl("opt.thp", &thp, &size, nil, 0) == 0, let thp else { return "jemalloc" }
        switch String(cString: thp) {
        case "always": return "jemalloc, huge pages"
        case "never": return "jemalloc, no huge pages"
        default: return "jemalloc"
        }
    }()
#else
    let allocatorName = "system malloc"
#endif
