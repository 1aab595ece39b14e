import PhysGradTestSupport

/// A JSON file of Tests/PhysGradTests/Resources (made by a script in scripts/).
func loadReference(_ name: String) throws -> [String: Any] { try loadReference(name, of: "PhysGradTests") }
