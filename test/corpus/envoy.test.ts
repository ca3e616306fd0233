import { envoyFormat } from '../../server/src/formats/envoy';
import { declarativeCorpusSuite } from '../helpers/declarativeCorpus';

/** Real third-party Envoy files, read in place from ../shared/corpus; mostly working configuration. */
declarativeCorpusSuite('envoy', envoyFormat);
