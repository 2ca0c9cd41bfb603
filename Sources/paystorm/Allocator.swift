#if canImport(CJemalloc)
    import CJemalloc

    /// Which allocator this build links, for the summaries.
    let allocatorName = "jemalloc"
#else
    let allocatorName = "system malloc"
#endif
