"""The sample county of the demo tenant (剑阁县): its towns, places, committees, names and the
wording of sample disputes. Data only; ``plugins.mediation.demo`` builds the records."""

from __future__ import annotations

from plugins.mediation.models.enums import IndustryField

# Each 司法所 (justice station) with its town, the town's villages and communities, and the
# schools and enterprises it looks after. (code, station, town, communities, villages,
# schools, enterprises)
TOWNS: tuple[tuple[str, str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...],
                   tuple[str, ...]], ...] = (
    ("510823-sfs-xs", "下寺司法所", "下寺镇", ("城北社区", "城南社区"),
     ("东宝村", "石城村", "青树村"), ("剑阁县下寺小学",), ("剑阁县翠云建筑工程有限公司",)),
    ("510823-sfs-pa", "普安司法所", "普安镇", ("东街社区", "西街社区"),
     ("鹤龄村", "闻溪村", "金仙村"), ("剑阁中学",), ("剑阁县普安农贸市场有限公司",)),
    ("510823-sfs-jmg", "剑门关司法所", "剑门关镇", ("大剑社区",),
     ("志公村", "双旗村", "高观村"), ("剑门关小学",), ("剑门关旅游开发有限公司",)),
    ("510823-sfs-bl", "白龙司法所", "白龙镇", ("白龙社区",),
     ("花园村", "鹿鸣村", "金龙村"), ("白龙中学",), ("剑阁县白龙酒业有限公司",)),
    ("510823-sfs-ys", "元山司法所", "元山镇", ("元山社区",),
     ("柏垭村", "金桥村", "红岩村"), ("元山小学",), ("剑阁县元山茶叶专业合作社",)),
)

# Committees per town: the town's own committee and those of its first community and first
# two villages; plus the enterprise committee of 剑门关旅游开发有限公司.
VILLAGE_COMMITTEES_PER_TOWN = 2

# Industry committees set up under the bureau (Art. 34): (name, field, address).
INDUSTRY_COMMITTEES: tuple[tuple[str, IndustryField, str], ...] = (
    ("剑阁县医疗纠纷人民调解委员会", IndustryField.MEDICAL, "剑阁县下寺镇剑州大道78号"),
    ("剑阁县道路交通事故纠纷人民调解委员会", IndustryField.TRAFFIC,
     "剑阁县下寺镇城北路12号交警大队一楼"),
)
ENTERPRISE_COMMITTEE = ("剑门关旅游开发有限公司人民调解委员会", "剑门关镇",
                        "剑门关旅游开发有限公司")

# The committee deliberately without a woman member (the Art. 8 warning shows on it).
NO_WOMAN_COMMITTEE = "元山镇红岩村人民调解委员会"
NO_WOMAN_VILLAGE = "红岩村"

SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯董程曹袁邓许傅沈曾彭"
            "吕苏卢蒋蔡贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝白崔康毛邱"
            "秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文蒲母敬")
MALE_GIVEN = ("建国", "建军", "国华", "志强", "德明", "光华", "永福", "明德", "家富", "世昌",
              "文斌", "兴旺", "俊", "勇", "伟", "强", "刚", "海涛", "斌", "鹏", "超", "波",
              "磊", "军", "平", "杰", "林", "春生", "成", "宇", "浩", "华", "兵", "德全",
              "正清", "仕元", "学文", "先富", "洪", "万全", "大明", "光荣", "志勇", "长春")
FEMALE_GIVEN = ("秀英", "桂兰", "秀兰", "玉兰", "桂芳", "淑芬", "春梅", "丽", "芳", "娟",
                "敏", "静", "霞", "燕", "艳", "玲", "琴", "丽华", "晓燕", "雪梅", "红梅",
                "小红", "海燕", "群英", "萍", "素华", "明秀", "学琼", "天琼", "德芳")

# Region codes of the 居民身份证 numbers: mostly 剑阁 itself, some from the rest of 广元.
REGION_CODES = ("510823",) * 8 + ("510802", "510811", "510821", "510822", "510824")

COURT = "剑阁县人民法院"
PETITION_OFFICE = "剑阁县信访局"
HOSPITALS = ("剑阁县人民医院", "剑阁县中医医院", "剑阁县第二人民医院")
