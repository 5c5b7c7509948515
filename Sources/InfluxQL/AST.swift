/// A parsed query: statements separated by `;`.
public struct Query: Sendable, Hashable {
    public var statements: [Statement]
    public init(statements: [Statement]) { self.statements = statements }
}

/// InfluxQL's data types, as `::type` casts and field types name them.
public enum DataType: Int, Sendable, Hashable {
    case unknown = 0, float, integer, string, boolean, time, duration, tag, anyField, unsigned

    public var name: String {
        switch self {
        case .float: "float"
        case .integer: "integer"
        case .unsigned: "unsigned"
        case .string: "string"
        case .boolean: "boolean"
        case .time: "time"
        case .duration: "duration"
        case .tag: "tag"
        case .anyField: "field"
        case .unknown: "unknown"
        }
    }
}

/// An expression.
public indirect enum Expr: Sendable, Hashable {
    case binary(op: Token, lhs: Expr, rhs: Expr)
    case paren(Expr)
    /// A field or tag reference; segments joined by `.`, with an optional cast.
    case varRef(name: String, type: DataType)
    case call(name: String, args: [Expr])
    /// `DISTINCT field` (the keyword form).
    case distinct(String)
    case string(String)
    case number(Double)
    case integer(Int64)
    case unsigned(UInt64)
    case boolean(Bool)
    /// Nanoseconds.
    case duration(Int64)
    /// The regex source, as written between the slashes (escaped slashes unescaped).
    case regex(String)
    /// `*`, `*::field` or `*::tag`.
    case wildcard(Token?)
    /// `IN (a, b)` list of `SHOW TAG VALUES WITH KEY`.
    case list([String])
}

/// A measurement reference (or its regex) and where it lives.
public struct Measurement: Sendable, Hashable {
    public var database = ""
    public var retentionPolicy = ""
    public var name = ""
    public var regex: String?
    public var isTarget = false
    public init() {}
}

/// A `FROM` source.
public indirect enum Source: Sendable, Hashable {
    case measurement(Measurement)
    case subquery(SelectStatement)
}

/// One `SELECT` field with its alias.
public struct Field: Sendable, Hashable {
    public var expr: Expr
    public var alias: String

    public init(expr: Expr, alias: String) {
        self.expr = expr
        self.alias = alias
    }
}

/// `ORDER BY` entry.
public struct SortField: Sendable, Hashable {
    public var name: String
    public var ascending: Bool
}

/// `fill(...)`.
public enum Fill: Sendable, Hashable {
    case null, none, previous, linear
    case integer(Int64)
    case number(Double)
}

/// `SELECT`.
public struct SelectStatement: Sendable, Hashable {
    public var fields: [Field] = []
    public var target: Measurement?
    public var sources: [Source] = []
    public var condition: Expr?
    public var dimensions: [Expr] = []
    public var fill: Fill = .null
    public var sortFields: [SortField] = []
    public var limit = 0
    public var offset = 0
    public var sLimit = 0
    public var sOffset = 0
    /// The `tz()` zone name.
    public var location: String?
    /// No function call among the fields.
    public var isRawQuery = true
    /// GROUP BY tags an outer query pushed into this subquery (1.x's iterator options carry
    /// the outer dimensions down): they group its rows but stay columns of its `*`.
    public var pushedDimensions: [String] = []
    /// Inside a subquery: SLIMIT and SOFFSET cut tag sets grouped by these tags (the outer
    /// GROUP BY's, 1.x's `newIteratorOptionsSubstatement`), not by the statement's own.
    public var limitDimensions: [String]?
    public init() {}

    /// Whether the statement has a `GROUP BY time(…)` dimension.
    public var groupsByTime: Bool { dimensions.contains { if case .call("time", _) = $0 { return true }; return false } }
}

/// `READ`, `WRITE`, `ALL PRIVILEGES`.
public enum Privilege: Int, Sendable, Hashable {
    case none = 0, read, write, all

    public var name: String {
        switch self {
        case .none: "NO PRIVILEGES"
        case .read: "READ"
        case .write: "WRITE"
        case .all: "ALL PRIVILEGES"
        }
    }
}

/// Clauses shared by the `SHOW … CARDINALITY` statements.
public struct CardinalityClauses: Sendable, Hashable {
    public var exact = false
    public var database = ""
    public var sources: [Source]?
    public var condition: Expr?
    public var dimensions: [Expr] = []
    public var limit = 0
    public var offset = 0
}

/// Clauses shared by `SHOW SERIES`, `SHOW TAG KEYS`, `SHOW TAG VALUES`, `SHOW FIELD KEYS`.
public struct ShowClauses: Sendable, Hashable {
    public var database = ""
    public var sources: [Source]?
    public var condition: Expr?
    public var sortFields: [SortField] = []
    public var limit = 0
    public var offset = 0
    public var sLimit = 0
    public var sOffset = 0
}

/// Every InfluxQL statement.
public indirect enum Statement: Sendable, Hashable {
    case select(SelectStatement)
    case explain(SelectStatement, analyze: Bool)
    case deleteSeries(sources: [Source]?, condition: Expr?)
    case dropSeries(sources: [Source]?, condition: Expr?)
    case dropMeasurement(String)
    case dropShard(UInt64)
    case dropDatabase(String)
    case dropRetentionPolicy(name: String, database: String)
    case dropUser(String)
    case dropContinuousQuery(name: String, database: String)
    case dropSubscription(name: String, database: String, retentionPolicy: String)
    case createDatabase(CreateDatabase)
    case createRetentionPolicy(CreateRetentionPolicy)
    case alterRetentionPolicy(AlterRetentionPolicy)
    case createUser(name: String, password: String, admin: Bool)
    case createContinuousQuery(CreateContinuousQuery)
    case createSubscription(CreateSubscription)
    case grant(Privilege, on: String, user: String)
    case grantAdmin(user: String)
    case revoke(Privilege, on: String, user: String)
    case revokeAdmin(user: String)
    case setPassword(user: String, password: String)
    case killQuery(id: UInt64, host: String)
    case showDatabases
    case showRetentionPolicies(database: String)
    case showUsers
    case showGrants(user: String)
    case showContinuousQueries
    case showSubscriptions
    case showShards
    case showShardGroups
    case showQueries
    case showStats(module: String)
    case showDiagnostics(module: String)
    case showMeasurements(ShowMeasurements)
    case showSeries(ShowClauses)
    case showTagKeys(ShowClauses)
    case showTagValues(ShowClauses, op: Token, key: Expr)
    case showFieldKeys(ShowClauses)
    case showSeriesCardinality(CardinalityClauses)
    case showMeasurementCardinality(CardinalityClauses)
    case showTagKeyCardinality(CardinalityClauses)
    case showTagValuesCardinality(CardinalityClauses, op: Token, key: Expr)
    case showFieldKeyCardinality(CardinalityClauses)
}

public struct CreateDatabase: Sendable, Hashable {
    public var name = ""
    public var retentionPolicyCreate = false
    public var duration: Int64?
    public var replication: Int?
    public var shardGroupDuration: Int64 = 0
    public var retentionPolicyName = ""
}

public struct CreateRetentionPolicy: Sendable, Hashable {
    public var name = ""
    public var database = ""
    public var duration: Int64 = 0
    public var replication = 0
    public var shardGroupDuration: Int64 = 0
    public var isDefault = false
}

public struct AlterRetentionPolicy: Sendable, Hashable {
    public var name = ""
    public var database = ""
    public var duration: Int64?
    public var replication: Int?
    public var shardGroupDuration: Int64?
    public var isDefault = false
}

public struct CreateContinuousQuery: Sendable, Hashable {
    public var name = ""
    public var database = ""
    public var source = SelectStatement()
    public var resampleEvery: Int64 = 0
    public var resampleFor: Int64 = 0
}

public struct CreateSubscription: Sendable, Hashable {
    public var name = ""
    public var database = ""
    public var retentionPolicy = ""
    public var destinations: [String] = []
    public var mode = ""
}

public struct ShowMeasurements: Sendable, Hashable {
    public var database = ""
    public var source: Measurement?
    public var condition: Expr?
    public var sortFields: [SortField] = []
    public var limit = 0
    public var offset = 0
}
