// libFuzzer entry for the InfluxQL parser. Properties checked on every input:
//   1. parsing never crashes, traps or hangs;
//   2. an accepted query prints to canonical text that parses again and prints the same
//      (except statements with passwords, which 1.x prints as [REDACTED]).
// Built by run.sh together with Sources/InfluxQL (see tools/fuzz/README.md).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInfluxQL(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let query = try? Parser.parseQuery(text) else { return 0 }
    for statement in query.statements {
        switch statement {
        case .createUser, .setPassword: continue
        default: break
        }
        let canonical = statement.description
        do {
            let again = try Parser.parseStatement(canonical)
            if again.description != canonical {
                fatalError("canonical form not stable: \(canonical) -> \(again.description)")
            }
        } catch {
            fatalError("canonical form does not parse: \(canonical): \(error)")
        }
    }
    return 0
}
