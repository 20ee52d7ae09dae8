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
}
