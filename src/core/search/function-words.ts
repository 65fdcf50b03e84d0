/**
 * Common Arabic function words (prepositions, conjunctions, particles, pronouns, relatives, demonstratives),
 * in normalised spelling, alone and with the و or ف they are often written with. Nearly every text holds
 * them, so a query that also has other words neither requires nor ranks them (see `searchedTerms`).
 * على is not among them: normalised it is the given name علي, which a query for a person must be able to require.
 */
const functionWords = new Set([
  'في', 'من', 'الي', 'عن', 'مع', 'بين', 'عند', 'لدي', 'منذ', 'حتي', 'نحو', 'حول', 'خلال', 'بعد', 'قبل', 'دون',
  'ان', 'انه', 'انها', 'بان', 'لان', 'الا', 'اذا', 'او', 'ثم', 'بل', 'لكن', 'كما', 'حيث', 'قد', 'لا', 'ما', 'لم', 'لن',
  'هو', 'هي', 'هم', 'التي', 'الذي', 'الذين', 'هذا', 'هذه', 'ذلك', 'تلك', 'كل', 'اي', 'ايضا',
  'وفي', 'ومن', 'والي', 'وعن', 'ومع', 'وبين', 'وان', 'ولكن', 'وكما', 'وحيث', 'وقد', 'ولا', 'وما', 'ولم', 'ولن',
  'وهو', 'وهي', 'وهم', 'والتي', 'والذي', 'والذين', 'وهذا', 'وهذه', 'وذلك', 'فان', 'فلا', 'فهو', 'فهي',
]);

/** Whether a normalised word is a common function word. */
export const isFunctionWord = (word: string): boolean => functionWords.has(word);
