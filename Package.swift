// swift-tools-version: 6.0
import Foundation
import PackageDescription

// libtorch is found in Debian's location (`apt-get install libtorch-dev`) unless the
// LIBTORCH environment variable names another install (a directory holding include/ and lib/).
let libtorchRoot = ProcessInfo.processInfo.environment["LIBTORCH"]
let torchIncludes: [String] = libtorchRoot.map { ["\($0)/include", "\($0)/include/torch/csrc/api/include"] }
  ?? ["/usr/include/torch/csrc/api/include"]
let torchLinkFlags: [String] = libtorchRoot.map { ["-L\($0)/lib", "-Xlinker", "-rpath", "-Xlinker", "\($0)/lib"] } ?? []

let package = Package(
  name: "FairPrune",
  platforms: [.macOS(.v13)],
  products: [
    .library(name: "Torch", targets: ["Torch"]),
    .library(name: "Optim", targets: ["Optim"]),
    .library(name: "NN", targets: ["NN"]),
    .library(name: "Datasets", targets: ["Datasets"]),
    .library(name: "Constrained", targets: ["Constrained"]),
    .library(name: "Sparsity", targets: ["Sparsity"]),
    .library(name: "Fairness", targets: ["Fairness"]),
    .library(name: "Experiments", targets: ["Experiments"]),
    .executable(name: "fairprune", targets: ["fairprune"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
  ],
  targets: [
    .target(
      name: "CTorch",
      cxxSettings: [
        .unsafeFlags(torchIncludes.flatMap { ["-I", $0] } + ["-O2", "-Wno-deprecated-declarations"]),
      ],
      linkerSettings: [
        .unsafeFlags(torchLinkFlags),
        .linkedLibrary("torch"), .linkedLibrary("torch_cpu"), .linkedLibrary("c10"),
      ]
    ),
    .target(name: "Torch", dependencies: ["CTorch"]),
    .target(name: "Optim", dependencies: ["Torch"]),
    .target(name: "NN", dependencies: ["Torch"]),
    .target(name: "Constrained", dependencies: ["Torch", "Optim"]),
    .target(
      name: "CImageCodec",
      cSettings: [.unsafeFlags(["-O2"])],
      linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png")]
    ),
    .target(name: "Datasets", dependencies: ["Torch", "CImageCodec"]),
    .target(name: "Sparsity", dependencies: ["NN", "Optim", "Torch"]),
    .target(name: "Fairness", dependencies: ["Torch", "Optim", "NN", "Datasets", "Constrained", "Sparsity"]),
    .target(name: "Experiments", dependencies: ["Torch", "Optim", "NN", "Datasets", "Constrained", "Sparsity", "Fairness", "Yams"]),
    .executableTarget(
      name: "fairprune",
      dependencies: ["Experiments", .product(name: "ArgumentParser", package: "swift-argument-parser")]
    ),
    .target(name: "BenchSupport", dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/BenchSupport"),
    .executableTarget(name: "fairprune-bench", dependencies: ["BenchSupport", "Experiments", "NN", "Optim", "Torch"], path: "Benchmarks/fairprune-bench"),
    .executableTarget(name: "loader-bench", dependencies: ["BenchSupport", "Datasets", "NN", "Optim", "Torch"], path: "Benchmarks/loader-bench"),
    .executableTarget(name: "compaction-bench", dependencies: ["BenchSupport", "Experiments", "NN", "Optim", "Sparsity", "Torch"], path: "Benchmarks/compaction-bench"),
    .executableTarget(name: "scaling-bench", dependencies: ["BenchSupport", "Experiments", "Fairness", "NN", "Optim", "Torch"], path: "Benchmarks/scaling-bench"),
    .executableTarget(name: "constrained-bench", dependencies: ["BenchSupport", "Constrained", "Torch"], path: "Benchmarks/constrained-bench"),
    .executableTarget(name: "methods-bench", dependencies: ["BenchSupport", "Experiments", "Fairness", "Sparsity", "Datasets", "NN", "Optim", "Torch"],
                      path: "Benchmarks/methods-bench"),
    .executableTarget(name: "pipeline-bench", dependencies: ["BenchSupport", "Experiments", "Fairness", "Sparsity", "Datasets", "NN", "Optim", "Torch"], path: "Benchmarks/pipeline-bench"),
    // Assertions, leak checks and seeded generators shared by every test target.
    .target(name: "TestSupport", dependencies: ["Torch", "Datasets"], path: "Tests/TestSupport"),
    .testTarget(name: "TorchTests", dependencies: ["TestSupport", "Torch"]),
    .testTarget(name: "NNTests", dependencies: ["TestSupport", "NN", "Optim"], resources: [.copy("Fixtures")]),
    .testTarget(name: "OptimTests", dependencies: ["TestSupport", "Optim", "Torch"]),
    .testTarget(name: "CheckpointIOTests", dependencies: ["TestSupport", "Torch"], resources: [.copy("Fixtures")]),
    .testTarget(name: "ConstrainedTests", dependencies: ["TestSupport", "Constrained", "Optim", "NN", "Torch"]),
    .testTarget(name: "SparsityTests", dependencies: ["TestSupport", "Sparsity", "NN", "Optim", "Torch"]),
    .testTarget(name: "ExperimentsTests", dependencies: ["TestSupport", "Experiments", "Optim", "Fairness", "Datasets", "NN", "Torch"],
                resources: [.copy("Fixtures")]),
    .testTarget(name: "FairnessTests", dependencies: ["TestSupport", "Fairness", "Constrained", "Sparsity", "Optim", "Datasets", "NN", "Torch"]),
    .testTarget(name: "CLITests", dependencies: ["TestSupport", "Datasets", "fairprune"]),
    .testTarget(name: "DatasetsTests", dependencies: ["TestSupport", "Datasets", "Torch"]),
  ],
  swiftLanguageModes: [.v5],
  cxxLanguageStandard: .cxx17
)

// The libFuzzer harness exists only in fuzzing builds (Fuzz/run.sh sets FAIRPRUNE_FUZZ=1 and
// -sanitize=fuzzer): its entry point replaces main, so an ordinary build could not link it.
if ProcessInfo.processInfo.environment["FAIRPRUNE_FUZZ"] == "1" {
  package.products.append(.executable(name: "fairprune-fuzz", targets: ["fairprune-fuzz"]))
  package.targets.append(.executableTarget(name: "fairprune-fuzz", dependencies: ["Experiments", "Datasets", "Torch"], path: "Fuzz/Sources"))
}
