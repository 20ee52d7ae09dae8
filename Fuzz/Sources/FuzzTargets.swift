// libFuzzer entry point over FairPrune's parsers of untrusted bytes. One binary, the target chosen
// by FAIRPRUNE_FUZZ_TARGET; Fuzz/run.sh builds it (`-sanitize=fuzzer`) and runs each target on
// its corpus in Fuzz/corpus/<target>. A parser may throw on any input; it must never trap,
// crash, hang or exhaust memory.
import Foundation
@testable import Datasets
@testable import Experiments
import Torch

/// The parsers, by target name.
let targets: [String: (Data) throws -> Void] = [
  "safetensors": { data in _ = try SafeTensors.read(data: data, source: "fuzz") },
  "checkpoint": { data in _ = try PyTorchCheckpoint.loadModelState(data: data, source: "fuzz") },
  "cifar-pickle": { data in _ = try CIFAR100Pickle.read(data: data, source: URL(fileURLWithPath: "/fuzz/train")) },
  "csv": { data in _ = try CSVTable.parse(data, source: "fuzz") },
  "config-json": { data in _ = try ConfigFile.resolve(text: data, format: "json", source: "fuzz.json") },
  "config-yaml": { data in _ = try ConfigFile.resolve(text: data, format: "yaml", source: "fuzz.yaml") },
  "image": { data in _ = try ImageCodec.decode(data, source: "fuzz") },
]

let chosen: (Data) throws -> Void = {
  let name = ProcessInfo.processInfo.environment["FAIRPRUNE_FUZZ_TARGET"] ?? ""
  guard let target = targets[name] else {
    FileHandle.standardError.write(Data("set FAIRPRUNE_FUZZ_TARGET to one of \(targets.keys.sorted())\n".utf8))
    exit(2)
  }
  return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
  do { try chosen(Data(bytes: bytes, count: count)) } catch {}
  return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

/// SwiftPM links an executable's entry point under this name; it hands over to libFuzzer's driver
/// (whose own `main` is then not linked).
@_cdecl("fairprune_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  var count = argc
  var arguments = argv
  return LLVMFuzzerRunDriver(&count, &arguments) { bytes, size in fuzz(bytes, size) }
}
