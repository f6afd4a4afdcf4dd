import t from 'tap';
import { httpUrlSetting } from '../src/url-setting.js';

t.test('httpUrlSetting: an absolute http(s) URL, trimmed; anything else refused with the message given', async (t) => {
  const setting = httpUrlSetting();
  t.equal(setting.parse(' https://issuer.example.com/jwks.json '), 'https://issuer.example.com/jwks.json');
  t.equal(setting.parse('http://127.0.0.1:9000'), 'http://127.0.0.1:9000');
  for (const bad of ['ftp://example.com', 'file:///etc/passwd', 'example.com/jwks', 'not a url', '']) {
    const result = setting.safeParse(bad);
    t.notOk(result.success, `${JSON.stringify(bad)} is refused`);
    t.equal(result.error?.issues[0]?.message, 'must be an http(s) URL');
  }
  t.equal(httpUrlSetting('must be an http(s) URL (the catalog)').safeParse('s3://bucket').error?.issues[0]?.message, 'must be an http(s) URL (the catalog)');
});
