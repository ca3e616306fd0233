import { kubernetesFormat } from '../../server/src/formats/kubernetes';
import { declarativeCorpusSuite } from '../helpers/declarativeCorpus';

/** Real third-party Kubernetes Ingress and Gateway API files, read in place from ../shared/corpus; mostly working configuration. */
declarativeCorpusSuite('k8s-gateway', kubernetesFormat);
