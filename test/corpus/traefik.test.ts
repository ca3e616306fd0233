import { traefikFormat } from '../../server/src/formats/traefik';
import { declarativeCorpusSuite } from '../helpers/declarativeCorpus';

/** Real third-party Traefik files, read in place from ../shared/corpus; mostly working configuration. */
declarativeCorpusSuite('traefik', traefikFormat);
