/// 1.x's template `matcher`: a tree of filters split on `.`, where an exact part beats `*`,
/// so the most specific filter matching a metric name picks its template; names no filter
/// matches get the default template.
struct TemplateMatcher: Sendable {
    private struct Node: Sendable {
        /// Exact parts, searched in order (few per level).
        var children: [([UInt8], Int)] = []
        var wildcard: Int?
        var template: Int?
        var isLeaf: Bool { children.isEmpty && wildcard == nil }
    }

    private var nodes = [Node()]
    private(set) var templates: [GraphiteTemplate] = []
    private var defaultTemplate: Int

    init(defaultTemplate: GraphiteTemplate) {
        templates = [defaultTemplate]
        self.defaultTemplate = 0
    }

    /// A template without a filter replaces the default one.
    mutating func add(filter: String, template: GraphiteTemplate) {
        templates.append(template)
        let t = templates.count - 1
        if filter.isEmpty {
            defaultTemplate = t
            return
        }
        var node = 0
        for part in filter.split(separator: ".", omittingEmptySubsequences: false) {
            let key = Array(part.utf8)
            let existing = key == [UInt8(ascii: "*")] ? nodes[node].wildcard : nodes[node].children.first { $0.0 == key }?.1
            if let existing {
                node = existing
                continue
            }
            // A new `*` node inherits its parent's template at the time it is made (1.x).
            var child = Node()
            if key == [UInt8(ascii: "*")] { child.template = nodes[node].template }
            nodes.append(child)
            let index = nodes.count - 1
            if key == [UInt8(ascii: "*")] { nodes[node].wildcard = index } else { nodes[node].children.append((key, index)) }
            node = index
        }
        nodes[node].template = t
    }

    /// The template for a metric name.
    func match(_ name: UnsafeRawBufferPointer) -> GraphiteTemplate {
        templates[search(name) ?? defaultTemplate]
    }

    private func search(_ name: UnsafeRawBufferPointer) -> Int? {
        var node = 0
        var start = 0
        var done = false
        while true {
            let n = nodes[node]
            if done || n.isLeaf { return n.template }
            var end = start
            while end < name.count && name[end] != UInt8(ascii: ".") { end += 1 }
            let part = UnsafeRawBufferPointer(rebasing: name[start..<end])
            done = end >= name.count
            start = end + 1
            if let exact = n.children.first(where: { $0.0.elementsEqual(part) })?.1 {
                node = exact
            } else if let wildcard = n.wildcard {
                node = wildcard
            } else {
                return n.template
            }
        }
    }
}
