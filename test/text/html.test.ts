import fc from 'fast-check';
import t from 'tap';
import { escapeHtml } from '../../src/core/text/html.js';

/** What a browser reads back from the five entities (written out here, independently of the escaper). */
const decode = (html: string) => html.replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[name]!);

t.test('the five markup characters become named entities, the apostrophe &#39;', async (t) => {
  t.equal(escapeHtml(`قالت <b class="x">'إنّ'</b> & أنّ`), 'قالت &lt;b class=&quot;x&quot;&gt;&#39;إنّ&#39;&lt;/b&gt; &amp; أنّ');
  t.equal(escapeHtml('&amp;'), '&amp;amp;', 'an entity in the text is text, escaped again');
  t.equal(escapeHtml('«الداخلية» السعودية'), '«الداخلية» السعودية', 'all else passes as it is');
});

t.test('any text escapes to markup-free HTML that reads back as the text', async () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('&', '<', '>', '"', "'", ';', '#', 'a', 'م', ' ', 'amp', 'lt') }), (text) => {
      const html = escapeHtml(text);
      return !/[<>"']/.test(html) && !/&(?!(amp|lt|gt|quot|#39);)/.test(html) && decode(html) === text;
    }),
  );
});
