/** Quilt+ URIs read as the Quilt catalog documents them (docs/Catalog/URI.md), and merged with explicit arguments. */
import t from 'tap';
import { parseQuiltUri, target } from '../../src/tools/quilt-uri.js';

const DOC =
  'quilt+s3://quilt-example#package=akarve/cord19@e21682f00929661879633a5128aaa27cc7bc1e2973d49d4c868a90f9fad9f34b&path=CORD19.ipynb&catalog=open.quiltdata.com';

t.test('the catalog documentation example', async (t) => {
  t.same(parseQuiltUri(DOC), {
    registry: 's3://quilt-example',
    package: 'akarve/cord19',
    revision: 'e21682f00929661879633a5128aaa27cc7bc1e2973d49d4c868a90f9fad9f34b',
    path: 'CORD19.ipynb',
    catalog: 'open.quiltdata.com',
  });
  t.same(parseQuiltUri('quilt+s3://b#package=u/p:latest'), { registry: 's3://b', package: 'u/p', revision: 'latest' });
  t.same(parseQuiltUri('quilt+s3://b#package=u/p'), { registry: 's3://b', package: 'u/p' });
  t.same(parseQuiltUri('quilt+s3://b'), { registry: 's3://b' });
  t.same(parseQuiltUri('quilt+file:///data/reg#package=u/p@abcdef12&path=caf%C3%A9/a%20b.csv'), {
    registry: 'file:///data/reg',
    package: 'u/p',
    revision: 'abcdef12',
    path: 'café/a b.csv',
  });
});

t.test('what is refused', async (t) => {
  t.throws(() => parseQuiltUri('s3://b#package=u/p'), /must start with quilt\+s3/);
  t.throws(() => parseQuiltUri('quilt+http://b#package=u/p'), /must start with quilt\+s3/);
  t.throws(() => parseQuiltUri('quilt+s3://b/key#package=u/p'), /a bucket, not a key/);
  t.throws(() => parseQuiltUri('quilt+s3://b#package=u/p:v1'), /only tag is :latest/);
  t.throws(() => parseQuiltUri('quilt+s3://b#package=u/p@xyz'), /package= is user\/pkg/);
  t.throws(() => parseQuiltUri('quilt+s3://b#package=nope'), /not a package name/);
  t.throws(() => parseQuiltUri('quilt+s3://b#path=a.csv'), /path= needs package=/);
});

t.test('merged with arguments: agreeing values pass, disagreeing ones are refused', async (t) => {
  t.same(target({ uri: DOC }, undefined), {
    registry: 's3://quilt-example',
    package: 'akarve/cord19',
    revision: 'e21682f00929661879633a5128aaa27cc7bc1e2973d49d4c868a90f9fad9f34b',
    path: 'CORD19.ipynb',
  });
  t.match(target({ uri: DOC, registry: 'quilt-example', package: 'akarve/cord19', revision: 'latest' }, 'CORD19.ipynb'), { registry: 'quilt-example' });
  t.throws(() => target({ uri: DOC, package: 'other/pkg' }), /package "other\/pkg" disagrees/);
  t.throws(() => target({ uri: DOC, registry: 's3://elsewhere' }), /registry "s3:\/\/elsewhere" disagrees/);
  t.throws(() => target({ uri: DOC, revision: 'abcdef0' }), /revision "abcdef0" disagrees/);
  t.throws(() => target({ uri: DOC }, 'other.csv'), /path "other.csv" disagrees/);
  t.throws(() => target({ registry: 's3://b' }), /Give package/);
});
