import SwiftProtobuf

// Short names for storage.proto's generated messages (Spec/proto/storage.proto).

/// A Read request (`ReadRequest`).
public typealias StorageReadRequest = Com_Github_Influxdata_Influxdb_Services_Storage_ReadRequest
/// One message of a Read's response stream (`ReadResponse`).
public typealias StorageReadResponse = Com_Github_Influxdata_Influxdb_Services_Storage_ReadResponse
/// A predicate tree node (`Node`).
public typealias StoragePredicateNode = Com_Github_Influxdata_Influxdb_Services_Storage_Node
/// A Read predicate (`Predicate`).
public typealias StoragePredicate = Com_Github_Influxdata_Influxdb_Services_Storage_Predicate
/// A series tag (`Tag`).
public typealias StorageTag = Com_Github_Influxdata_Influxdb_Services_Storage_Tag
/// The Capabilities response (`CapabilitiesResponse`).
public typealias StorageCapabilitiesResponse = Com_Github_Influxdata_Influxdb_Services_Storage_CapabilitiesResponse
/// The Hints response (`HintsResponse`).
public typealias StorageHintsResponse = Com_Github_Influxdata_Influxdb_Services_Storage_HintsResponse
/// `google.protobuf.Empty`.
public typealias StorageEmpty = Com_Github_Influxdata_Influxdb_Services_Storage_Empty
/// The Read aggregate (`Aggregate`).
public typealias StorageAggregate = Com_Github_Influxdata_Influxdb_Services_Storage_Aggregate
/// A Read's time range (`TimestampRange`).
public typealias StorageTimestampRange = Com_Github_Influxdata_Influxdb_Services_Storage_TimestampRange
