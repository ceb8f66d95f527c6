import ProxyCore

extension ProxySettings {
    /// The targets for a request that has nothing but its model name to go by.
    func targets(forClientModel clientModel: String) -> [RouteTarget] {
        targets(for: RequestTraits(model: clientModel))
    }

    /// The primary target for a client model.
    func target(forClientModel clientModel: String) -> RouteTarget? {
        targets(forClientModel: clientModel).first
    }
}
