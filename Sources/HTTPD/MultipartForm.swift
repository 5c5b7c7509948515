/// A `multipart/form-data` body split into its parts, as Go's `Request.ParseMultipartForm`
/// reads it for 1.x's `/query`: `curl -F q='SHOW DATABASES'` sends a field and
/// `curl -F q=@queries.txt` a file part named `q`.
struct MultipartForm {
    struct Part {
        var name: String
        /// Set for a file part (`filename=` in its Content-Disposition).
        var filename: String?
        var data: [UInt8]
    }

    var parts: [Part] = []

    /// The boundary of a `multipart/form-data; boundary=…` content type, or nil.
    static func boundary(ofContentType contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmed(" \t") }
        guard pieces.first?.lowercased() == "multipart/form-data" else { return nil }
        for p in pieces.dropFirst() where p.lowercased().hasPrefix("boundary=") {
            var value = p.dropFirst("boundary=".count)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
            return value.isEmpty ? nil : String(value)
        }
        return nil
    }

    /// The parts between `--boundary` lines; nil when the body is not well formed (Go then
    /// leaves the form empty).
    init?(body: [UInt8], boundary: String) {
        let delimiter = Array(("--" + boundary).utf8)
        guard var at = Self.find(delimiter, in: body, from: 0) else { return nil }
        while true {
            at += delimiter.count
            // `--` after the delimiter closes the body.
            if body.count >= at + 2, body[at] == UInt8(ascii: "-"), body[at + 1] == UInt8(ascii: "-") { return }
            guard let headersStart = Self.lineEnd(body, from: at),
                  let headersEnd = Self.find(Array("\r\n\r\n".utf8), in: body, from: headersStart - 2) else { return nil }
            // A part may have no headers at all (its blank line directly after the delimiter).
            let headers = headersEnd > headersStart ? String(decoding: body[headersStart..<headersEnd], as: UTF8.self) : ""
            let dataStart = headersEnd + 4
            guard let next = Self.find(Array("\r\n".utf8) + delimiter, in: body, from: dataStart) else { return nil }
            if let (name, filename) = Self.disposition(headers) {
                parts.append(Part(name: name, filename: filename, data: Array(body[dataStart..<next])))
            }
            at = next + 2
        }
    }

    /// `name` and `filename` of a part's `Content-Disposition: form-data; …` header.
    private static func disposition(_ headers: String) -> (String, String?)? {
        for line in headers.split(separator: "\r\n") {
            let header = line.split(separator: ":", maxSplits: 1)
            guard header.count == 2, header[0].trimmed(" \t").lowercased() == "content-disposition" else { continue }
            var name: String?
            var filename: String?
            for parameter in header[1].split(separator: ";").dropFirst() {
                let kv = parameter.split(separator: "=", maxSplits: 1)
                guard kv.count == 2 else { continue }
                var value = kv[1].trimmed(" \t")[...]
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
                switch kv[0].trimmed(" \t").lowercased() {
                case "name": name = String(value)
                case "filename": filename = String(value)
                default: break
                }
            }
            return name.map { ($0, filename) }
        }
        return nil
    }

    /// The index after the CRLF that ends the line starting at `from`.
    private static func lineEnd(_ body: [UInt8], from: Int) -> Int? {
        find(Array("\r\n".utf8), in: body, from: from).map { $0 + 2 }
    }

    private static func find(_ needle: [UInt8], in body: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, from >= 0, body.count >= needle.count else { return nil }
        var i = from
        while i + needle.count <= body.count {
            if body[i] == needle[0] && body[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}

extension StringProtocol {
    /// Without leading and trailing characters of `set`.
    fileprivate func trimmed(_ set: String) -> Substring {
        var s = self[...]
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return Substring(s)
    }
}
