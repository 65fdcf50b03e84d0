import t from 'tap';
import { rememberedPerWord } from '../../src/core/text/remembered.js';

t.test('a word is computed once while remembered, and the memory is bounded', async (t) => {
  const computed: string[] = [];
  const length = rememberedPerWord((word) => {
    computed.push(word);
    return word.length;
  }, 2);
  t.same([length('وزير'), length('وزير'), length('الداخلية')], [4, 4, 8]);
  t.same(computed, ['وزير', 'الداخلية'], 'the second call for a word did not compute it');
  t.equal(length('لقاء'), 4, 'a third word, past the capacity');
  t.equal(length('وزير'), 4);
  t.same(computed, ['وزير', 'الداخلية', 'لقاء', 'وزير'], 'the full memory was emptied, so an earlier word is computed again');
});
