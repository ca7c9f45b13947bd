// The onnxruntime execution providers this build of onnxruntime-node offers, as reported by its
// binding. `bundled: false` means the binding knows the provider but its libraries are not shipped
// in the npm package (CUDA/TensorRT are downloaded by onnxruntime-node's postinstall, which the
// offline install skips), so it can only be used where those libraries are installed.

import * as ort from 'onnxruntime-node';

export interface ExecutionProviderInfo {
  /** onnxruntime's name for the provider: 'cpu', 'cuda', 'dml', 'coreml', 'webgpu', … */
  name: string;
  /** Whether the provider's libraries ship inside the onnxruntime-node package. */
  bundled: boolean;
}

export function listExecutionProviders(): ExecutionProviderInfo[] {
  return ort.listSupportedBackends().map((backend) => ({ name: backend.name, bundled: backend.bundled }));
}

/** The onnxruntime-node package version, e.g. '1.30.0'. */
export function onnxruntimeVersion(): string {
  return ort.env.versions.node ?? ort.env.versions.common;
}
