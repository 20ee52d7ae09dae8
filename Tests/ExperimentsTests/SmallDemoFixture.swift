import Datasets
import Experiments
import NN
import Torch

/// The demo's synthetic data with 600 training and 200 test samples, and a dense MLP (hidden
/// width 32, seed 0) trained on it for 2 epochs: the small whole-run setting tests share.
enum SmallDemoFixture {
  static func make() throws -> (data: GroupedDataset, dense: any Module) {
    var demo = DemoConfig()
    demo.data.trainCount = 600
    demo.data.testCount = 200
    let data = try demo.data.make().make()
    Torch.manualSeed(0)
    let dense = try ModelKind.mlp.make(inputShape: data.train.sampleShape, numClasses: data.info.numClasses, mlpHidden: [32])
    demo.dense.epochs = 2
    try DenseTrainer.train(dense, on: data.train, config: demo.dense, progress: ProgressReporter(enabled: false))
    return (data, dense)
  }

  /// A short run on that data: 80% sparsity, 3 epochs (GMP to epoch 1), batch 64, one thread.
  static func runConfig(_ method: MethodKind) -> RunConfig {
    var c = RunConfig()
    c.method = method
    c.sparsity = 0.8
    c.epochs = 3
    c.lastPruningEpoch = 1
    c.batchSize = 64
    c.threads = 1
    return c
  }
}
