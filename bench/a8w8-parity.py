"""Python half of bench/a8w8-parity.ts (optional: needs /tmp/pyenv with torch and onnxruntime).

  train <work> [steps]  trains a recognizer-like net (MobileNetV3-small-ish backbone: depthwise and
                        pointwise convs with BatchNorm, hardswish as HardSigmoid x Mul, SE gates;
                        MaxPool -> MatMul -> hardswish -> MatMul -> Softmax head, CTC) on lines of
                        4 Fashion-MNIST images (32x128), exports it at opset 13 with BatchNormalization
                        kept (as Paddle exports are), and writes <work>/model.onnx, calib/x.npy
                        (64 lines), test/x.npy and test/labels.npy (1000 held-out lines).
  ort <work> [model]    ONNX Runtime's quantize_static on <work>/<model> (default model.onnx): QDQ,
                        MinMax, per-channel, its default types (uint8 activations, int8 weights),
                        same 64 calibration lines -> <work>/ort.onnx, and after quant_pre_process
                        (the pre-processing ORT recommends: BN folding, constant folding) ->
                        <work>/ort-pre.onnx. An opset < 13 model is first converted to 13 with
                        onnx.version_converter (per-channel DequantizeLinear needs 13).
Scoring is done by the TypeScript side, on onnxruntime-node, for every model alike.
"""
import gzip
import os
import sys

import numpy as np

FASHION = '/usr/share/datasets/fashion-mnist'


def train(work, steps):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    torch.manual_seed(0)
    torch.set_num_threads(1)

    def idx(path, off):
        with gzip.open(path) as f:
            return np.frombuffer(f.read(), np.uint8, offset=off)
    tr_x = idx(f'{FASHION}/train-images-idx3-ubyte.gz', 16).reshape(-1, 28, 28)
    tr_y = idx(f'{FASHION}/train-labels-idx1-ubyte.gz', 8)
    te_x = idx(f'{FASHION}/t10k-images-idx3-ubyte.gz', 16).reshape(-1, 28, 28)
    te_y = idx(f'{FASHION}/t10k-labels-idx1-ubyte.gz', 8)
    norm = lambda a: ((a / 255.0 - 0.2860) / 0.3530).astype(np.float32)
    background = norm(np.zeros(1))[0]

    def lines(xs, ys, n, rng, count=4):
        imgs = np.full((n, 1, 32, 32 * count), background, np.float32)
        labels = np.zeros((n, count), np.int64)
        for i in range(n):
            for k in range(count):
                j = rng.integers(len(xs))
                dx, dy = rng.integers(0, 5, 2)
                imgs[i, 0, dy:dy + 28, 32 * k + dx:32 * k + dx + 28] = norm(xs[j])
                labels[i, k] = ys[j] + 1  # 0 is the CTC blank
        return imgs, labels

    class HSwish(nn.Module):
        def forward(self, x):
            return x * F.hardsigmoid(x)

    def conv_bn(cin, cout, k, stride=1, groups=1, act=None):
        layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
        if act:
            layers.append(HSwish() if act == 'hs' else nn.ReLU())
        return nn.Sequential(*layers)

    class SE(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.c1 = nn.Conv2d(c, c // 4, 1)
            self.c2 = nn.Conv2d(c // 4, c, 1)

        def forward(self, x):
            w = F.adaptive_avg_pool2d(x, 1)
            return x * F.hardsigmoid(self.c2(F.relu(self.c1(w))))

    class Block(nn.Module):
        def __init__(self, cin, exp, cout, k, stride, se, act):
            super().__init__()
            self.res = stride == 1 and cin == cout
            self.expand = conv_bn(cin, exp, 1, act=act) if exp != cin else nn.Identity()
            self.dw = conv_bn(exp, exp, k, stride, groups=exp, act=act)
            self.se = SE(exp) if se else nn.Identity()
            self.pw = conv_bn(exp, cout, 1)

        def forward(self, x):
            y = self.pw(self.se(self.dw(self.expand(x))))
            return x + y if self.res else y

    class Recognizer(nn.Module):
        def __init__(self, classes=11):
            super().__init__()
            self.stem = conv_bn(1, 16, 3, 2, act='hs')
            self.blocks = nn.Sequential(
                Block(16, 16, 16, 3, (2, 1), True, 'relu'), Block(16, 72, 24, 3, (2, 1), False, 'relu'),
                Block(24, 88, 24, 3, 1, False, 'relu'), Block(24, 96, 40, 5, (2, 2), True, 'hs'),
                Block(40, 240, 40, 5, 1, True, 'hs'), Block(40, 120, 48, 5, 1, True, 'hs'),
                Block(48, 144, 48, 5, 1, True, 'hs'))
            self.last = conv_bn(48, 288, 1, act='hs')
            self.fc1 = nn.Parameter(torch.randn(288, 96) * 288 ** -0.5)
            self.b1 = nn.Parameter(torch.zeros(96))
            self.fc2 = nn.Parameter(torch.randn(96, classes) * 96 ** -0.5)
            self.b2 = nn.Parameter(torch.zeros(classes))
            self.hs = HSwish()

        def logits(self, x):
            y = F.max_pool2d(self.last(self.blocks(self.stem(x))), (2, 2))
            y = y.squeeze(2).transpose(1, 2)
            return self.hs(y @ self.fc1 + self.b1) @ self.fc2 + self.b2

        def forward(self, x):
            return F.softmax(self.logits(x), dim=2)

    rng = np.random.default_rng(0)
    model = Recognizer()
    opt = torch.optim.AdamW(model.parameters(), 3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=steps)
    ctc = nn.CTCLoss(blank=0)
    for step in range(steps):
        x, y = lines(tr_x, tr_y, 64, rng)
        lp = F.log_softmax(model.logits(torch.from_numpy(x)), 2).transpose(0, 1)
        loss = ctc(lp, torch.from_numpy(y), torch.full((64,), lp.shape[0]), torch.full((64,), 4))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 100 == 0 or step == steps - 1:
            print(f'step {step} loss {loss.item():.3f}', flush=True)
    model.eval()
    calib, _ = lines(tr_x, tr_y, 64, np.random.default_rng(1))
    test, test_y = lines(te_x, te_y, 1000, np.random.default_rng(2))
    os.makedirs(f'{work}/calib', exist_ok=True)
    os.makedirs(f'{work}/test', exist_ok=True)
    np.save(f'{work}/calib/x.npy', calib)
    np.save(f'{work}/test/x.npy', test)
    np.save(f'{work}/test/labels.npy', test_y.astype(np.int32))
    with open(f'{work}/train.json', 'w') as f:
        f.write(f'{{"steps": {steps}, "lastLoss": {loss.item():.4f}}}\n')
    # TrainingMode.PRESERVE on an eval-mode model keeps BatchNormalization nodes (EVAL would fold them).
    torch.onnx.export(model, torch.from_numpy(calib[:1]), f'{work}/model.onnx', opset_version=13, input_names=['x'],
                      output_names=['probs'], dynamic_axes={'x': {0: 'n'}, 'probs': {0: 'n'}}, dynamo=False,
                      training=torch.onnx.TrainingMode.PRESERVE)


def ort_quantize(work, name):
    import onnx
    from onnx import version_converter
    from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self):
            x = np.load(f'{work}/calib/x.npy')
            self.it = iter([{'x': x[i:i + 1]} for i in range(len(x))])

        def get_next(self):
            return next(self.it, None)

    src = f'{work}/{name}'
    model = onnx.load(src)
    opset = next(o.version for o in model.opset_import if o.domain in ('', 'ai.onnx'))
    if opset < 13:
        src = f'{work}/ort-input-opset13.onnx'
        onnx.save(version_converter.convert_version(model, 13), src)

    def run(inp, out):
        quantize_static(inp, out, Reader(), quant_format=QuantFormat.QDQ, per_channel=True, activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax)
    run(src, f'{work}/ort.onnx')
    quant_pre_process(src, f'{work}/ort-pre-input.onnx')
    run(f'{work}/ort-pre-input.onnx', f'{work}/ort-pre.onnx')


if __name__ == '__main__':
    command, work = sys.argv[1], sys.argv[2]
    if command == 'train':
        train(work, int(sys.argv[3]) if len(sys.argv) > 3 else 800)
    elif command == 'ort':
        ort_quantize(work, sys.argv[3] if len(sys.argv) > 3 else 'model.onnx')
    else:
        sys.exit(f'unknown command {command}')
