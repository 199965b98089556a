"""The demo county's legal aid records, as data (``demo.py`` builds them).

Each case names the status it reaches and how many days ago it was received; ``demo.py``
moves it through the workflow step by step, a few days apart, so that the numbers come
from the numbering service and the deadlines show (some of them overdue).
"""

from __future__ import annotations

from datetime import date
from typing import Any

CENTRE_NAME = "剑阁县法律援助中心"
CENTRE_CODE = "jg-flyzx"
REGION = "510823"

# name, kind, organisation, licence, practice since, criminal since, specialities, minors,
# hometown, languages, max load, linked demo account
PROVIDERS: tuple[dict[str, Any], ...] = (
    {"key": "li", "name": "李明", "kind": "lawyer", "organisation": "四川剑门律师事务所",
     "licence_number": "15108201210123456", "practice_since": date(2012, 3, 1),
     "criminal_defence_since": date(2012, 3, 1),
     "specialities": "criminal_defence,criminal_representation", "familiar_with_minors": True,
     "hometown": "剑阁县", "county": "剑阁县", "max_load": 10, "phone": "0839-6621001",
     "account": "lvshi"},
    {"key": "wang", "name": "王芳", "kind": "lawyer", "organisation": "四川剑门律师事务所",
     "licence_number": "15108201610234567", "practice_since": date(2016, 7, 1),
     "specialities": "civil,labour_arbitration", "hometown": "剑阁县", "county": "剑阁县",
     "max_load": 8, "phone": "0839-6621001"},
    {"key": "zhao", "name": "赵强", "kind": "lawyer", "organisation": "四川普安律师事务所",
     "licence_number": "15108200910345678", "practice_since": date(2009, 9, 1),
     "criminal_defence_since": date(2010, 1, 1),
     "specialities": "criminal_defence,administrative,state_compensation",
     "hometown": "剑阁县", "county": "剑阁县", "max_load": 8, "phone": "0839-6632002"},
    {"key": "chen", "name": "陈丽", "kind": "lawyer", "organisation": "四川普安律师事务所",
     "licence_number": "15108202110456789", "practice_since": date(2021, 5, 1),
     "specialities": "civil,non_litigation", "familiar_with_minors": True,
     "hometown": "苍溪县", "county": "剑阁县", "max_load": 6, "phone": "0839-6632002"},
    {"key": "wu", "name": "吴刚", "kind": "legal_service_worker",
     "organisation": "剑阁县城关法律服务所", "practice_since": date(2015, 5, 1),
     "specialities": "labour_arbitration,civil,non_litigation", "hometown": "剑阁县",
     "county": "剑阁县", "phone": "0839-6602113"},
    {"key": "he", "name": "何静", "kind": "staff", "organisation": CENTRE_NAME,
     "legal_qualification": True, "practice_since": date(2018, 1, 1),
     "specialities": "civil,administrative", "hometown": "剑阁县", "county": "剑阁县",
     "phone": "0839-12348"},
)

# channel, days ago, visitor, category, question, answer, outcome
CONSULTATIONS: tuple[tuple[str, int, str, str | None, str, str, str], ...] = (
    ("hotline", 1, "刘先生", "civil", "在工地干活老板拖欠工资两个月，怎么讨要？",
     "可先向劳动保障监察大队投诉，也可申请劳动仲裁；农民工追索劳动报酬申请法律援助不受经济困难条件"
     "限制。",
     "application"),
    ("window", 2, "张桂兰", "civil", "儿子不给赡养费，我能不能起诉？",
     "可以向法院起诉要求支付赡养费，符合条件的可申请法律援助，需带身份证和经济困难状况说明。",
     "application"),
    ("online", 3, "网友“青川人”", "labour_arbitration", "公司不签劳动合同，能要求双倍工资吗？",
     "用人单位自用工之日起超过一个月不满一年未签书面劳动合同，应支付二倍工资，仲裁时效一年。",
     "answered"),
    ("workstation", 4, "何大爷", "civil", "邻居占了我家宅基地，怎么处理？",
     "宅基地使用权争议先由乡镇人民政府处理，已告知可先申请人民调解。", "mediation"),
    ("hotline", 5, "匿名来电", "criminal_defence", "家属被刑事拘留了，能不能请法律援助律师？",
     "经济困难的可申请法律援助；可能判处无期徒刑、死刑等情形由办案机关通知指派律师。", "answered"),
    ("window", 6, "王秀英", "civil", "遭受家庭暴力，想离婚，需要什么材料？",
     "可申请人身安全保护令；遭受家庭暴力的受害人申请法律援助不受经济困难条件限制（第三十二条）。",
     "application"),
    ("hotline", 8, "赵师傅", "labour_arbitration", "工伤认定后单位不赔钱怎么办？",
     "可申请劳动仲裁要求支付工伤保险待遇，已告知到中心窗口申请法律援助。", "application"),
    ("online", 9, "网友“普安小李”", "civil", "网购商品质量问题，商家拒不退货。",
     "可向市场监管部门投诉或12315平台反映，也可向法院起诉。", "referred"),
    ("workstation", 11, "孙阿姨", "civil", "老伴去世后子女争房产，遗嘱有效吗？",
     "自书遗嘱须本人亲笔书写、签名并注明年月日；已解答继承顺序。", "answered"),
    ("hotline", 13, "陈女士", "administrative", "对征地补偿标准不服，能否起诉？",
     "可先申请行政复议或直接提起行政诉讼，注意六个月起诉期限。", "answered"),
    ("window", 15, "李老汉", "civil", "被车撞伤，保险公司只赔一部分。",
     "交通事故人身损害赔偿属法律援助事项，经济困难可申请，已指导准备材料。", "application"),
    ("hotline", 18, "匿名来电", "civil", "借钱给朋友没打借条，能要回来吗？",
     "可收集转账记录、聊天记录等证据，诉讼时效三年。", "answered"),
    ("online", 20, "网友“剑门关”", "labour_arbitration", "试用期被辞退有没有补偿？",
     "试用期内用人单位无法定理由解除的应支付赔偿金，已解答。", "answered"),
    ("workstation", 24, "吴大姐", "civil", "丈夫外出务工多年不回家，想离婚。",
     "可向法院起诉离婚，已告知所需材料及诉讼费用减免。", "answered"),
    ("window", 27, "周某", "criminal_representation", "女儿被人打伤，对方被起诉了，我们能要求赔偿吗"
                                                      "？",
     "被害人可提起附带民事诉讼，经济困难的可申请法律援助。", "application"),
    ("hotline", 33, "匿名来电", None, "办理公证需要多少钱？",
     "已告知公证处电话，法律援助受援人办理公证可减免费用。", "referred"),
    ("hotline", 40, "杨先生", "civil", "村里的土地承包经营权被调整，合法吗？",
     "承包期内发包方不得调整承包地，特殊情形需经村民会议三分之二以上成员同意。", "answered"),
    ("online", 47, "网友“翠云廊”", "labour_arbitration", "公司欠缴社保怎么办？",
     "可向社会保险费征收机构投诉，已解答。", "answered"),
    ("workstation", 55, "郑大爷", "civil", "养老金被子女冒领，能追回吗？",
     "可要求返还，必要时起诉，已引导至司法所调解。", "mediation"),
    ("window", 62, "马女士", "civil", "离婚后对方不付抚养费。",
     "可向法院申请强制执行或起诉要求支付抚养费，已指导申请法律援助。", "application"),
)

# The cases: what they reach, when they came in, who and what. ``people`` refers to PEOPLE.
PEOPLE: dict[str, dict[str, Any]] = {
    "liu": {"name": "刘德华", "gender": "male", "birth": date(1979, 8, 14), "seq": 31,
            "address": "剑阁县下寺镇石城村3组"},
    "zhang": {"name": "张桂兰", "gender": "female", "birth": date(1950, 4, 2), "seq": 42,
              "address": "剑阁县普安镇城北社区"},
    "wang": {"name": "王秀英", "gender": "female", "birth": date(1988, 11, 23), "seq": 64,
             "address": "剑阁县城关镇剑门路28号"},
    "zhao": {"name": "赵建国", "gender": "male", "birth": date(1972, 2, 9), "seq": 13,
             "address": "剑阁县元山镇红岩村5组"},
    "xiao": {"name": "肖某", "gender": "male", "birth": date(2010, 6, 18), "seq": 75,
             "address": "剑阁县开封镇"},
    "li": {"name": "李福贵", "gender": "male", "birth": date(1958, 1, 30), "seq": 17,
           "address": "剑阁县白龙镇两河村2组"},
    "sun": {"name": "孙小燕", "gender": "female", "birth": date(1995, 3, 8), "seq": 26,
            "address": "剑阁县公兴镇"},
    "zhou": {"name": "周大勇", "gender": "male", "birth": date(1983, 7, 1), "seq": 39,
             "address": "剑阁县鹤龄镇"},
    "ma": {"name": "马丽", "gender": "female", "birth": date(1990, 12, 12), "seq": 48,
           "address": "剑阁县普安镇闻溪社区"},
    "yang": {"name": "杨老四", "gender": "male", "birth": date(1961, 10, 5), "seq": 51,
             "address": "剑阁县杨村镇"},
    "he": {"name": "何春梅", "gender": "female", "birth": date(1976, 5, 20), "seq": 82,
           "address": "剑阁县金仙镇"},
    "wu": {"name": "吴永平", "gender": "male", "birth": date(1969, 9, 9), "seq": 93,
           "address": "剑阁县下寺镇"},
    "zheng": {"name": "郑德明", "gender": "male", "birth": date(1947, 2, 14), "seq": 15,
              "address": "剑阁县普安镇"},
    "gao": {"name": "高翠华", "gender": "female", "birth": date(1965, 8, 8), "seq": 28,
            "address": "剑阁县东宝镇"},
    "tan": {"name": "谭明亮", "gender": "male", "birth": date(1986, 4, 4), "seq": 57,
            "address": "剑阁县武连镇"},
}

WAGES = {"category": "civil", "matter_kind": "wages", "art42": "migrant_worker",
         "art42_proven": "migrant_worker", "recipient_groups": "migrant_worker",
         "request": "代理追索劳动报酬"}

CASES: tuple[dict[str, Any], ...] = (
    # Received yesterday: the decision is due within 7 working days.
    {"person": "liu", "status": "received", "ago": 1, **WAGES,
     "summary": "申请人在剑阁县某建筑工地务工，包工头拖欠工资三个月共计21600元，多次索要未果。",
     "opposing_party": "四川某建设工程有限公司", "handling_organ": "剑阁县劳动人事争议仲裁委员会",
     "household_size": 4, "monthly_household_income": "2600"},
    # Received two weeks ago and still undecided: overdue.
    {"person": "zhang", "status": "received", "ago": 14, "category": "civil",
     "matter_kind": "maintenance", "recipient_groups": "elderly,woman",
     "summary": "申请人年逾七旬，丧偶独居，两个儿子均拒绝支付赡养费，申请人靠低保维持生活。",
     "request": "代理追索赡养费诉讼", "opposing_party": "张某某、张某",
     "local_categories": "minimum_living", "local_proven": "minimum_living",
     "household_size": 1, "monthly_household_income": "620", "poverty_ledger": True},
    # Materials missing: the supplement period runs.
    {"person": "sun", "status": "incomplete", "ago": 6, "category": "civil",
     "matter_kind": "accident_injury", "recipient_groups": "woman",
     "summary": "申请人骑电动车被小轿车撞伤，住院治疗20天，肇事方及保险公司赔偿有争议。",
     "request": "代理交通事故损害赔偿诉讼", "opposing_party": "某财产保险股份有限"
                                                              "公司广元中心支公司",
     "household_size": 3, "monthly_household_income": "2100",
     "missing": ("经济困难状况说明表", "交通事故认定书")},
    # Not completed in time: counted as withdrawn.
    {"person": "tan", "status": "withdrawn", "ago": 60, "category": "civil",
     "matter_kind": "other", "summary": "申请人与他人民间借贷纠纷，借款5万元未归还。",
     "request": "代理民间借贷诉讼", "opposing_party": "谭某", "missing": ("借条原件",),
     "household_size": 2, "monthly_household_income": "3000"},
    # Refused: income above the standard, with reasons.
    {"person": "zhou", "status": "refused", "ago": 20, "category": "civil",
     "matter_kind": "other", "summary": "申请人因房屋买卖合同纠纷，要求对方退还定金。",
     "request": "代理房屋买卖合同纠纷诉讼", "opposing_party": "剑阁县某房地产经纪公司",
     "household_size": 3, "monthly_household_income": "9600",
     "decision_reason": "申请事项不属于法律援助法第三十一条规定的民事法律援助事项，且申请人家庭人均"
                        "月收入3200元，高于本县经济困难标准（1000元）。"},
    # Granted a week ago and not yet assigned: the 3 working days are past.
    {"person": "gao", "status": "granted", "ago": 9, "category": "labour_arbitration",
     "matter_kind": "work_injury", "art42": "migrant_worker", "art42_proven": "migrant_worker",
     "recipient_groups": "migrant_worker,woman",
     "summary": "申请人在某砖厂务工时右手被机器压伤，已认定工伤（九级伤残），用人单位拒绝支付一次性"
                "伤残补助金。",
     "request": "代理工伤保险待遇劳动仲裁", "opposing_party": "剑阁县某页岩砖厂",
     "handling_organ": "剑阁县劳动人事争议仲裁委员会"},
    # A notified criminal defence of a minor, assigned to the demo lawyer: the agreement is due.
    {"person": "xiao", "status": "assigned", "ago": 3, "route": "notified", "provider": "li",
     "category": "criminal_defence", "mandatory_defence": "minor", "recipient_groups": "minor",
     "notifying_organ": "剑阁县人民检察院", "notice_number": "剑检未检通援〔2026〕3号",
     "summary": "犯罪嫌疑人肖某（未满十六周岁）涉嫌盗窃罪，审查起诉阶段未委托辩护人，检察院通知法律"
                "援助机构指派律师。",
     "request": "审查起诉阶段辩护", "handling_organ": "剑阁县人民检察院"},
    # Domestic violence victim (Art. 32): no economic review; in progress.
    {"person": "wang", "status": "in_progress", "ago": 25, "provider": "chen",
     "category": "civil", "matter_kind": "other", "art32": "abuse_victim",
     "recipient_groups": "woman",
     "summary": "申请人婚后多次遭受丈夫殴打，已有派出所出警记录和告诫书，申请人身安全保护令并起诉离"
                "婚。",
     "request": "代理申请人身安全保护令及离婚诉讼", "opposing_party": "王某（申请人丈夫）",
     "handling_organ": "剑阁县人民法院",
     "notes": (("meeting", 2, "约见受援人，了解家暴经过，收集告诫书、伤情照片。"),
               ("document", 5, "代写人身安全保护令申请书，提交剑阁县人民法院。"))},
    # Migrant worker wages, in progress with the demo lawyer; the limitation date is close.
    {"person": "zhao", "status": "in_progress", "ago": 30, "provider": "li", **WAGES,
     "summary": "申请人等12名农民工在某道路工程务工，被拖欠工资合计26万元，申请人本人被欠38000元。",
     "opposing_party": "某路桥工程有限公司", "handling_organ": "剑阁县人民法院",
     "notes": (("meeting", 3, "会见受援人，核对考勤表和工资欠条。"),
               ("negotiation", 12, "与项目负责人协商，对方承诺分两期支付。"))},
    # Terminated: the recipient retained a lawyer of their own (Art. 48 (6)).
    {"person": "yang", "status": "terminated", "ago": 40, "provider": "wang",
     "category": "civil", "matter_kind": "work_injury", "recipient_groups": "migrant_worker",
     "art42": "migrant_worker", "art42_proven": "migrant_worker",
     "summary": "申请人在外省务工受伤，要求用人单位赔偿。",
     "request": "代理工伤赔偿纠纷", "opposing_party": "某劳务派遣公司",
     "termination_ground": "own_lawyer",
     "termination_reason": "受援人于指派后自行委托了律师代理，书面申请终止法律援助。"},
    # Ended: the closure materials are due within 30 days.
    {"person": "he", "status": "ended", "ago": 75, "provider": "wang", "category": "civil",
     "matter_kind": "maintenance", "recipient_groups": "woman",
     "summary": "申请人离婚后，前夫拒不支付女儿抚养费已一年。",
     "request": "代理追索抚养费诉讼", "opposing_party": "何某之前夫",
     "household_size": 2, "monthly_household_income": "1600",
     "result": "won", "result_summary": "法院判决被告每月支付抚养费800元并补付欠款9600元。",
     "amount_recovered": "9600",
     "notes": (("meeting", 2, "约见受援人。"), ("hearing", 30, "出庭代理，发表代理意见。"))},
    # Closed: subsidy set, follow-up call made.
    {"person": "li", "status": "closed", "ago": 120, "provider": "wu", **WAGES,
     "summary": "申请人在某养殖场务工，被拖欠工资15000元。",
     "opposing_party": "剑阁县某养殖专业合作社",
     "handling_organ": "剑阁县劳动人事争议仲裁委员会",
     "result": "settled", "result_summary": "经仲裁庭调解，对方当庭支付全部欠薪15000元。",
     "amount_recovered": "15000", "grade": "excellent", "subsidy": "720",
     "notes": (("meeting", 2, "会见受援人。"), ("negotiation", 20, "仲裁调解，达成协议当庭履行。")),
     "follow_up": "very_satisfied"},
    # Closed: an elderly man's maintenance case, poverty ledger.
    {"person": "zheng", "status": "closed", "ago": 150, "provider": "he", "category": "civil",
     "matter_kind": "maintenance", "recipient_groups": "elderly",
     "local_categories": "five_guarantees", "local_proven": "five_guarantees",
     "summary": "申请人年近八旬，三个子女均不履行赡养义务。", "request": "代理追索赡养费诉讼",
     "opposing_party": "郑某等三人", "poverty_ledger": True,
     "result": "settled", "result_summary": "经法院主持调解，三子女每人每月支付赡养费300元。",
     "amount_recovered": "10800", "grade": "qualified", "subsidy": "800",
     "notes": (("meeting", 3, "走访受援人住所。"), ("hearing", 40, "出庭，法院主持调解成功。")),
     "follow_up": "satisfied"},
    # Archived: a criminal representation of a victim.
    {"person": "ma", "status": "archived", "ago": 200, "provider": "zhao",
     "category": "criminal_representation", "recipient_groups": "woman",
     "household_size": 3, "monthly_household_income": "2400",
     "summary": "申请人被他人故意伤害致轻伤，被告人已被提起公诉，申请人提起附带民事诉讼。",
     "request": "担任被害人诉讼代理人及附带民事诉讼代理人", "opposing_party": "被告人马某",
     "handling_organ": "剑阁县人民法院",
     "result": "partly", "result_summary": "法院判决被告人赔偿医疗费等经济损失23000元，部分采纳代理"
                                           "意见。",
     "amount_recovered": "23000", "grade": "qualified", "subsidy": "600",
     "notes": (("file_reading", 5, "到法院阅卷。"), ("hearing", 45, "出庭发表代理意见。")),
     "follow_up": "satisfied"},
    # A notified defence that may bring a life sentence, in progress with a senior lawyer.
    {"person": "wu", "status": "in_progress", "ago": 18, "route": "notified",
     "provider": "zhao", "category": "criminal_defence", "mandatory_defence": "life_or_death",
     "notifying_organ": "广元市中级人民法院", "notice_number": "（2026）川08刑初12号",
     "summary": "被告人吴某涉嫌故意杀人罪，可能判处无期徒刑以上刑罚，法院通知指派律师辩护。",
     "request": "一审辩护", "handling_organ": "广元市中级人民法院",
     "notes": (("file_reading", 2, "到法院阅卷，"
                                   "复制全部卷宗。"), ("meeting", 4, "到看守所会见被告人。"))},
)
