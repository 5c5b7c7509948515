extension Config {
    /// 1.x's `Config.Validate` for the sections Sundial runs, in its order: the first problem
    /// stops the daemon before anything opens, with 1.x's text.
    public func validate() throws(ConfigError) {
        if continuousQueries.enabled && continuousQueries.runInterval.nanoseconds <= 0 {
            throw ConfigError("run-interval must be positive")
        }
        if retention.enabled && retention.checkInterval.nanoseconds <= 0 {
            throw ConfigError("check-interval must be positive")
        }
        if precreator.enabled {
            if precreator.checkInterval.nanoseconds <= 0 { throw ConfigError("check-interval must be positive") }
            if precreator.advancePeriod.nanoseconds <= 0 { throw ConfigError("advance-period must be positive") }
        }
    }
}
