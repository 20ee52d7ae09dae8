/// Turns the pickle machine's node arena into a `PickleValue` tree, refusing cycles (a list
/// that contains itself), nesting deeper than `maxDepth` and more than `maxValues` values
/// (memo references can otherwise expand a small file exponentially).
struct PickleGraphConverter {
  let nodes: [PickleNode]
  let maxDepth: Int
  let maxValues: Int
  let source: String
  private var produced = 0
  private var onPath = Set<Int>()

  init(nodes: [PickleNode], maxDepth: Int, maxValues: Int, source: String) {
    self.nodes = nodes
    self.maxDepth = maxDepth
    self.maxValues = maxValues
    self.source = source
  }

  mutating func value(of index: Int, depth: Int) throws -> PickleValue {
    guard depth <= maxDepth else { throw TorchError("\(source): values nested deeper than \(maxDepth)") }
    produced += 1
    guard produced <= maxValues else { throw TorchError("\(source): more than \(maxValues) values") }
    let node = nodes[index]
    if case .leaf(let v) = node.kind { return v }
    guard onPath.insert(index).inserted else { throw TorchError("\(source): a value contains itself") }
    defer { onPath.remove(index) }

    func all(_ items: [Int]) throws -> [PickleValue] { try items.map { try value(of: $0, depth: depth + 1) } }
    func pairs(_ items: [(key: Int, value: Int)]) throws -> [(key: PickleValue, value: PickleValue)] {
      try items.map { (try value(of: $0.key, depth: depth + 1), try value(of: $0.value, depth: depth + 1)) }
    }
    switch node.kind {
    case .leaf(let v): return v
    case .tuple: return .tuple(try all(node.items))
    case .list: return .list(try all(node.items))
    case .dict: return .dict(try pairs(node.pairs))
    case .persistentID: return .persistentID(try value(of: node.items[0], depth: depth + 1))
    case .object(let callable):
      return .object(PickleObject(
        callable: callable, arguments: try all(node.items),
        state: try node.state.map { try value(of: $0, depth: depth + 1) },
        listItems: try all(node.appended), dictItems: try pairs(node.pairs)))
    }
  }
}
