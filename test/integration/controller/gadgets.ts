// The runtime tests' custom resource and small helpers around it.
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { BaseStatus } from '../../../controller/resource/types.js';
import type { CustomObject } from '../../../controller/k8s/types.js';

export const GADGET_CRD = new URL('./gadgets.crd.yaml', import.meta.url);

export const gadgets = {
  group: 'runtime-test.latticedb.com',
  version: 'v1',
  plural: 'gadgets',
  kind: 'Gadget',
} as const;

export interface GadgetSpec {
  replicas: number;
  slow?: boolean;
}
export interface GadgetStatus extends BaseStatus {
  phase?: string;
  reconciledBy?: string;
}
export type Gadget = CustomObject<GadgetSpec, GadgetStatus>;

export async function createGadget(
  kc: KubeConfig,
  namespace: string,
  name: string,
  spec: GadgetSpec,
): Promise<Gadget> {
  const body: Gadget = {
    apiVersion: `${gadgets.group}/${gadgets.version}`,
    kind: gadgets.kind,
    metadata: { name, namespace },
    spec,
  };
  return (await kc
    .makeApiClient(CustomObjectsApi)
    .createNamespacedCustomObject({ ...gadgets, namespace, body })) as Gadget;
}

export async function getGadget(kc: KubeConfig, namespace: string, name: string): Promise<Gadget> {
  return (await kc
    .makeApiClient(CustomObjectsApi)
    .getNamespacedCustomObject({ ...gadgets, namespace, name })) as Gadget;
}
