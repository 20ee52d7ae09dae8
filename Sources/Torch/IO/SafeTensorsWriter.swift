import Foundation

/// Serializes tensors in the safetensors layout, streaming one tensor at a time so a large
/// model is never copied into one buffer.
enum SafeTensorsWriter {
  /// Calls `sink` with the header and then each tensor's bytes, in order.
  static func emit(_ tensors: [(String, Tensor)], metadata: [String: String], to sink: ([UInt8]) throws -> Void) throws {
    try sink(try header(tensors, metadata: metadata))
    for (_, tensor) in tensors {
      try sink(try tensor.contiguousBytes())
    }
  }

  /// The 8-byte length followed by the JSON header padded with spaces to a multiple of 8
  /// bytes (as the reference implementation does, so the data buffer starts aligned).
  static func header(_ tensors: [(String, Tensor)], metadata: [String: String]) throws -> [UInt8] {
    var names = Set<String>()
    var members: [String] = []
    if !metadata.isEmpty {
      // A dictionary has no order; sorted keys make the output reproducible.
      let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0] ?? ""))" }
      members.append("\(jsonString(SafeTensorsHeader.metadataKey)):{\(pairs.joined(separator: ","))}")
    }
    var offset = 0
    for (name, tensor) in tensors {
      guard name != SafeTensorsHeader.metadataKey else {
        throw TorchError("safetensors: \"\(name)\" is reserved and cannot name a tensor")
      }
      guard names.insert(name).inserted else { throw TorchError("safetensors: tensor name \"\(name)\" is given twice") }
      let shape = tensor.shape
      let size = tensor.count * tensor.dtype.byteSize
      let dtype = SafeTensorsHeader.code(of: tensor.dtype)
      let shapeText = shape.map(String.init).joined(separator: ",")
      members.append("\(jsonString(name)):{\"dtype\":\"\(dtype)\",\"shape\":[\(shapeText)],\"data_offsets\":[\(offset),\(offset + size)]}")
      offset += size
    }
    var json = Array("{\(members.joined(separator: ","))}".utf8)
    json.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
    var out: [UInt8] = []
    out.reserveCapacity(8 + json.count)
    let length = UInt64(json.count)
    for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(i)))) }
    out.append(contentsOf: json)
    return out
  }

  /// A JSON string literal, escaped as serde_json does (quote, backslash, control characters).
  static func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{08}": out += "\\b"
      case "\u{0C}": out += "\\f"
      case _ where scalar.value < 0x20:
        out += "\\u00" + String(scalar.value, radix: 16).leftPadded(to: 2)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}

private extension String {
  func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
