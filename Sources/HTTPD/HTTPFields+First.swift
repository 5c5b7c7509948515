import HTTPTypes

extension HTTPFields {
    /// The first value of `name`, as Go's `Header.Get` reads a request header. (The fields'
    /// own subscript joins every value of the name into a new string on each read.)
    func first(_ name: HTTPField.Name) -> String? {
        for field in self where field.name == name { return field.value }
        return nil
    }
}
