// TensorFlow's log lines are told from everything else by their format alone; its errors are kept.
import { describe, expect, it } from 'vitest';
import { ABSL_PREAMBLE, dropTensorflowChatter, isTensorflowChatter, tensorflowLogSeverity } from '../../src/model/tf-log.ts';

// Exactly as libtensorflow 2.21 printed them on an AVX512_VNNI/BF16 Xeon, before absl::InitializeLog.
const ONEDNN = 'I0000 00:00:1796147649.396281    5138 port.cc:153] oneDNN custom operations are on. You may see slightly different numerical results due to floating-point round-off errors from different computation orders. To turn them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.';

describe('TensorFlow log lines', () => {
  it('the absl preamble and the oneDNN notice are chatter', () => {
    expect(isTensorflowChatter(ABSL_PREAMBLE)).toBe(true);
    expect(isTensorflowChatter(ONEDNN)).toBe(true);
    expect(tensorflowLogSeverity(ONEDNN)).toBe('I');
  });

  it('warnings in both formats are chatter; errors and fatal lines are not', () => {
    expect(isTensorflowChatter('W1201 20:00:05.123456   42 cpu_feature_guard.cc:210] This TensorFlow binary is optimized')).toBe(true);
    expect(isTensorflowChatter('2026-12-01 20:00:00.123456: W tensorflow/core/framework/cpu_allocator_impl.cc:83] Allocation of 1 exceeds 10%')).toBe(true);
    expect(tensorflowLogSeverity('E0000 00:00:1796147649.396281    5138 cuda_dnn.cc:8] Unable to register')).toBe('E');
    expect(isTensorflowChatter('E0000 00:00:1796147649.396281    5138 cuda_dnn.cc:8] Unable to register')).toBe(false);
    expect(isTensorflowChatter('F1201 20:00:05.123456   42 op.cc:1] Check failed')).toBe(false);
  });

  it('ordinary output, including lines that merely mention a severity, is kept', () => {
    for (const line of ['mhd: cannot listen on /ip4/127.0.0.1/tcp/1: address already in use', 'I0000 is not a log line', 'warning: skipped a torn line', 'W 12:00 port.cc:1]', '']) {
      expect(tensorflowLogSeverity(line)).toBeUndefined();
    }
  });

  it('dropping chatter keeps every other line, in order, with its line ending', () => {
    const text = `${ABSL_PREAMBLE}\n${ONEDNN}\nfirst\r\nE0000 00:00:1.5    1 a.cc:2] real error\nlast`;
    expect(dropTensorflowChatter(text)).toBe('first\r\nE0000 00:00:1.5    1 a.cc:2] real error\nlast');
    expect(dropTensorflowChatter(`${ABSL_PREAMBLE}\n${ONEDNN}\n`)).toBe('');
  });
});
