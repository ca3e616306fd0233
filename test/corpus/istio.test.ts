import { istioFormat } from '../../server/src/formats/istio';
import { declarativeCorpusSuite } from '../helpers/declarativeCorpus';

/** Real third-party Istio files, read in place from ../shared/corpus; mostly working configuration. */
declarativeCorpusSuite('istio', istioFormat);
