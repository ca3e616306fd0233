import { albFormat } from '../../server/src/formats/cloudformation';
import { declarativeCorpusSuite } from '../helpers/declarativeCorpus';

/** Real third-party AWS ALB (CloudFormation) files, read in place from ../shared/corpus; mostly working configuration. */
declarativeCorpusSuite('aws-alb', albFormat);
