/** "a person", "an article": a noun with its indefinite article, by its first letter (none of our nouns starts with a silent h or a sounded u). */
export const withArticle = (noun: string) => `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
