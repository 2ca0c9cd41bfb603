/// A target shed a request before sending it: every one of the runner's connections was busy
/// for as long as the request's priority waits (`HTTPPaymentTarget`). Nothing reached a server;
/// the client that asked gives the work up rather than send it again into the same saturation.
public struct ShedByRunner: Error, Sendable, Equatable {
    public init() {}
}
