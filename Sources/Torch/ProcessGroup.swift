import CTorch

/// A group of processes that exchange tensors through libtorch's c10d over Gloo (TCP), with
/// rendezvous at a TCPStore that rank 0 serves: the engine behind `torchrun`-style data
/// parallelism, not a home-made transport. Every rank constructs one with the same host, port
/// and world size; collectives block until all ranks take part, or fail after `timeout`.
///
/// ```swift
/// let group = try ProcessGroup(host: "127.0.0.1", port: 29500, rank: rank, worldSize: 2)
/// try group.allReduceSum([gradient])   // every rank now holds the sum
/// ```
public final class ProcessGroup: @unchecked Sendable {
  let handle: ct_process_group
  public let rank: Int
  public let worldSize: Int

  /// Whether this build has Gloo (it needs libgloo-dev's headers at build time).
  public static var isAvailable: Bool { ct_pg_available() != 0 }

  /// Joins (rank 0: serves) the rendezvous at `host:port`. Throws when the other ranks do not
  /// arrive within `timeout`, or the address cannot be used. `interface`: the network interface
  /// this rank's Gloo connections use (PyTorch's `GLOO_SOCKET_IFNAME`); by default the one of
  /// `host` on loopback or rank 0's host, else the one of this host's name.
  public init(host: String, port: Int, rank: Int, worldSize: Int, timeout: Double = 300, interface: String? = nil) throws {
    guard worldSize >= 1, (0..<worldSize).contains(rank) else {
      throw TorchError("ProcessGroup: rank \(rank) is not in 0..<\(worldSize)")
    }
    guard (1...65535).contains(port) else { throw TorchError("ProcessGroup: port \(port) is not in 1...65535") }
    var out: ct_process_group?
    try check(ct_pg_create(host, Int32(port), Int32(rank), Int32(worldSize), Int64(timeout * 1000), interface, &out))
    guard let out else { throw TorchError("ProcessGroup: no group was created") }
    handle = out
    self.rank = rank
    self.worldSize = worldSize
  }

  /// The group `torchrun` describes in the environment: `RANK`, `WORLD_SIZE`, `MASTER_ADDR`
  /// (default 127.0.0.1), `MASTER_PORT` (default 29500) and, optionally, `GLOO_SOCKET_IFNAME`. nil when `WORLD_SIZE` is absent or 1
  /// (a single process); throws naming the variable when one is malformed.
  public static func fromEnvironment(_ environment: [String: String], timeout: Double = 300) throws -> ProcessGroup? {
    func integer(_ name: String, default value: Int? = nil) throws -> Int {
      guard let text = environment[name] else {
        if let value { return value }
        throw TorchError("\(name) is not set, but WORLD_SIZE is: set RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT as torchrun does")
      }
      guard let v = Int(text) else { throw TorchError("\(name)=\(text) is not an integer") }
      return v
    }
    guard environment["WORLD_SIZE"] != nil else { return nil }
    let worldSize = try integer("WORLD_SIZE")
    guard worldSize >= 1 else { throw TorchError("WORLD_SIZE=\(worldSize) must be at least 1") }
    if worldSize == 1 { return nil }
    let rank = try integer("RANK")
    guard (0..<worldSize).contains(rank) else { throw TorchError("RANK=\(rank) is not in 0..<\(worldSize) (WORLD_SIZE)") }
    return try ProcessGroup(host: environment["MASTER_ADDR"] ?? "127.0.0.1", port: try integer("MASTER_PORT", default: 29500),
                            rank: rank, worldSize: worldSize, timeout: timeout, interface: environment["GLOO_SOCKET_IFNAME"])
  }

  deinit { ct_pg_free(handle) }

  /// Replaces each tensor, on every rank, by its sum over the ranks (in place). Tensors of one
  /// dtype travel together in one flat bucket (one collective per dtype, as DDP buckets
  /// gradients); every rank must pass the same shapes and dtypes in the same order.
  public func allReduceSum(_ tensors: [Tensor]) throws {
    try bucketed(tensors) { try self.collective("all-reduce", ct_pg_allreduce_sum(self.handle, $0.handle)) }
  }

  /// A new tensor: `tensor`'s sum over the ranks, differentiable (autograd sums the ranks'
  /// gradients in backward with another all-reduce, so every rank must backpropagate through it
  /// in the same order). For statistics of the global batch inside a model, e.g. synchronized
  /// BatchNorm; `allReduceSum` is the in-place one for gradients and buffers.
  public func allReducedSum(_ tensor: Tensor) throws -> Tensor {
    try collective("all-reduce") { try makeTensor { ct_pg_allreduce_sum_differentiable(handle, tensor.handle, $0) } }
  }

  /// Copies rank `root`'s `tensor` into `tensor` on every rank (in place).
  public func broadcast(_ tensor: Tensor, root: Int = 0) throws {
    try collective("broadcast", ct_pg_broadcast(handle, tensor.handle, Int32(root)))
  }

  /// Copies rank `root`'s values of every tensor into it on every rank (in place), one bucket
  /// per dtype: for model buffers such as BatchNorm's running statistics.
  public func broadcast(_ tensors: [Tensor], root: Int = 0) throws {
    try bucketed(tensors) { try self.collective("broadcast", ct_pg_broadcast(self.handle, $0.handle, Int32(root))) }
  }

  /// Rank `root`'s bytes (nil included) on every rank: for files only rank 0 can read, such as
  /// a checkpoint on its disk. Every rank calls it; the others' `bytes` are ignored.
  public func broadcast(bytes: [UInt8]?, root: Int = 0) throws -> [UInt8]? {
    let length = try Tensor([Int64(rank == root ? bytes.map { $0.count } ?? -1 : 0)])
    try broadcast(length, root: root)
    let n = Int(try length.toArray(Int64.self)[0])
    guard n >= 0 else { return nil }
    guard n > 0 else { return [] }
    let payload = rank == root ? try Tensor(bytes ?? []) : try Tensor.zeros([n], dtype: .uint8)
    try broadcast(payload, root: root)
    return try payload.toArray(UInt8.self)
  }

  /// Throws, on every rank, unless every rank passes the same `value` (rank 0's is the
  /// reference): a check that replicas are identical (inputs, weights, multipliers). The
  /// message names `what`, the ranks that differ and, on those ranks, both values.
  public func requireIdentical(_ value: String, what: String) throws {
    let reference = String(decoding: try broadcast(bytes: Array(value.utf8)) ?? [], as: UTF8.self)
    var flags = [Int64](repeating: 0, count: worldSize)
    flags[rank] = reference == value ? 0 : 1
    let differing = try Tensor(flags)
    try allReduceSum([differing])
    let ranks = try differing.toArray(Int64.self).enumerated().filter { $0.element != 0 }.map(\.offset)
    guard ranks.isEmpty else {
      let detail = reference == value ? "" : ": rank 0 has \(reference), rank \(rank) has \(value)"
      let who = ranks.count == 1 ? "rank \(ranks[0]) differs" : "ranks \(ranks.map(String.init).joined(separator: ", ")) differ"
      throw TorchError("\(who) from rank 0 on \(what)\(detail)")
    }
  }

  /// Runs `collective` in place on one flat, contiguous bucket per dtype of `tensors` and copies
  /// the results back. Gloo has no booleans: bool tensors travel as uint8 (a sum then reads as
  /// a logical or).
  func bucketed(_ tensors: [Tensor], _ collective: (Tensor) throws -> Void) throws {
    try Torch.withNoGrad {
      var dtypes: [DType] = []
      for t in tensors where !dtypes.contains(t.dtype) { dtypes.append(t.dtype) }
      for dtype in dtypes {
        let members = tensors.filter { $0.dtype == dtype }
        var bucket = try Tensor.cat(members.map { try $0.detached().reshaped([-1]) }).contiguous()
        if dtype == .bool { bucket = try bucket.to(.uint8) }
        try collective(bucket)
        var offset = 0
        for t in members {
          try t.copy_(bucket.slice(dim: 0, start: offset, end: offset + t.count).reshaped(t.shape).to(dtype))
          offset += t.count
        }
      }
    }
  }

  /// Returns when every rank has called it.
  public func barrier() throws { try collective("barrier", ct_pg_barrier(handle)) }

  /// Checks a collective's status.
  func collective(_ what: String, _ status: Int32) throws { try collective(what) { try check(status) } }

  /// Runs a collective; a failure says which rank saw it and the likely cause.
  func collective<T>(_ what: String, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as TorchError {
      throw TorchError("rank \(rank) of \(worldSize): \(what) failed; another rank stopped, or the network between ranks failed, "
                       + "or the others did not come within the timeout: \(error.message)")
    }
  }

  /// Data parallelism's gradient step: replaces each parameter's gradient by its mean over the
  /// ranks (one bucketed all-reduce), so that ranks that each took the mean loss of an equal
  /// share of a global batch hold the gradient of the global batch's mean loss, identical on
  /// every rank. Parameters without a gradient are skipped (the same ones on every rank).
  public func averageGradients(of parameters: [Tensor]) throws {
    let grads = parameters.compactMap(\.grad)
    try allReduceSum(grads)
    if worldSize > 1 { try Torch.withNoGrad { for g in grads { try g.div_(Double(worldSize)) } } }
  }
}
