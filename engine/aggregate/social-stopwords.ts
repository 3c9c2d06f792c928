// Stop words left out of trending terms: English function words and contractions, Chinese function
// words and particles. Written for Caracal (no external list; same licence as the repository) and kept
// small on purpose: a word that is frequent but means something in marketing (new, price, 价格) stays.
// Terms shorter than the minimum length (social-terms in sentiment-score.ts) and numbers never trend,
// so single letters and single Chinese characters need no entry.

const EN = `
about above after again against all also am an and any are aren't as at be because been before being
below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't done
down during each even ever few for from further get gets got had hadn't has hasn't have haven't having
he he'd he'll he's her here here's hers herself him himself his how how's i'd i'll i'm i've if im in
into is isn't it it's its itself just let's lets me more most much must mustn't my myself no nor not
now of off on once one only or other ou our ours ourselves out over own really same shan't she she'd
she'll she's should shouldn't so some such than that that's the their theirs them themselves then
there there's these they they'd they'll they're they've this those though through to too under until
up upon us very via was wasn't we we'd we'll we're we've were weren't what what's when when's where
where's which while who who's whom why why's will with won't would wouldn't yet you you'd you'll
you're you've your yours yourself yourselves also ok okay oh yeah yes lol rt amp http https www com
via get got gonna wanna just like still think know go going went make made see say said
`;

const ZH = `
的 了 和 是 在 也 就 都 而 及 与 着 或 一个 没有 我们 你们 他们 她们 它们 我 你 他 她 它 这 那 这个 那个 这些
那些 这样 那样 这里 那里 这么 那么 什么 怎么 为什么 哪里 哪个 因为 所以 但是 但 可是 不过 如果 虽然
然后 而且 并且 或者 还是 就是 只是 已经 还 又 再 才 把 被 让 给 对 向 从 到 于 以 为 由 之 其 此 每 各
吗 呢 吧 啊 呀 哦 嗯 啦 嘛 哈 么 的话 一下 一些 一点 有些 有点 可以 可能 应该 需要 能够 不是 没 不 很
非常 太 真 真的 特别 比较 还有 以及 之后 之前 时候 现在 今天 昨天 明天 自己 大家 一样 一直 一起
觉得 感觉 知道 看到 出来 起来 上 下 里 中 个 们 来 去 说 要 会 能 想 有 看 用 做 得 地
`;

function words(s: string): string[] {
  return s.split(/\s+/).filter((w) => w.length > 0);
}

export const STOPWORDS_EN: ReadonlySet<string> = new Set(words(EN));
export const STOPWORDS_ZH: ReadonlySet<string> = new Set(words(ZH));
