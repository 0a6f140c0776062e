"""The clauses of the contract drafts, per template. Written for this market, in the order of
the national model technology contracts (标的, 内容与范围, 价款与支付, 履行, 验收, 保密, 违约,
争议); the parties edit the Word file before signing. ``{…}`` are filled by drafts.py."""

from __future__ import annotations

from dataclasses import dataclass

from service.desk.stages import ContractType


@dataclass(frozen=True)
class Template:
    key: str
    title: str
    contract_type: ContractType
    seller_role: str
    buyer_role: str
    scope: str
    delivery: str
    acceptance: str


TEMPLATES = {
    t.key: t
    for t in (
        Template(
            "transfer_patent", "技术转让（专利权）合同", ContractType.transfer, "让与人", "受让人",
            "让与人将本合同标的所涉专利权（专利号：{patents}）转让给受让人，并提供实施该专利所需的"
            "技术资料和必要的技术指导；受让人按约定支付价款。专利权自国家知识产权局登记公告之日起"
            "转移。",
            "让与人于本合同生效后 30 日内向受让人交付专利证书、专利登记簿副本及技术资料，并会同"
            "受让人办理专利权转让登记手续；地点：{buyer_region}。",
            "专利权转让登记公告完成，且技术资料与本合同附件所列清单一致，即为验收合格。",
        ),
        Template(
            "transfer_secret", "技术转让（技术秘密）合同", ContractType.transfer,
            "让与人", "受让人",
            "让与人将本合同标的所涉技术秘密的使用权、转让权转让给受让人，提供全部技术资料并进行"
            "技术指导，使受让人掌握该项技术；受让人按约定支付价款并承担保密义务。",
            "让与人于本合同生效后 30 日内向受让人交付全部技术资料，并派技术人员现场指导不少于"
            " 10 个工作日；地点：{buyer_region}。",
            "受让人按技术资料试生产合格产品，主要技术指标达到成果说明所载水平，即为验收合格。",
        ),
        Template(
            "license", "技术许可合同", ContractType.license, "许可人", "被许可人",
            "许可人许可被许可人在约定范围内实施本合同标的所涉技术（专利号：{patents}），许可方式为"
            "普通许可（双方可另行约定独占或排他许可），许可期限自本合同生效之日起五年。",
            "许可人于本合同生效后 30 日内交付实施许可技术所需的技术资料，并提供必要的技术指导；"
            "地点：{buyer_region}。",
            "被许可人按技术资料实施许可技术，产品主要技术指标达到约定水平，即为验收合格。",
        ),
        Template(
            "development", "技术开发（委托）合同", ContractType.development, "研究开发人",
            "委托人",
            "委托人委托研究开发人就本合同标的所涉技术进行研究开发，以解决委托人提出的技术需求"
            "（{need_title}）；研究开发成果的知识产权归属由双方在附件中约定，未约定的归委托人。",
            "研究开发人于本合同生效后 {months} 个月内完成研究开发工作，交付研究开发报告、样品或"
            "样机及相关技术资料；地点：{buyer_region}。",
            "由双方共同组织验收，研究开发成果达到委托人需求所列技术指标，即为验收合格。",
        ),
        Template(
            "service", "技术服务合同", ContractType.service, "受托人", "委托人",
            "受托人运用本合同标的所涉专业技术知识、经验和信息，为委托人解决特定技术问题"
            "（{need_title}），不涉及专利和技术秘密的转让与许可。",
            "受托人于本合同生效后 {months} 个月内完成技术服务工作，并提交服务报告；地点："
            "{buyer_region}。",
            "技术服务工作成果达到约定的技术指标，委托人签署验收意见，即为验收合格。",
        ),
        Template(
            "consulting", "技术咨询合同", ContractType.consulting, "受托人", "委托人",
            "受托人就委托人提出的技术问题（{need_title}）进行可行性论证、技术预测、专题技术调查"
            "或分析评价，并提交咨询报告；咨询报告的采纳由委托人决定。",
            "受托人于本合同生效后 {months} 个月内提交书面咨询报告；地点：{buyer_region}。",
            "咨询报告内容完整、论证充分、达到约定的深度要求，委托人签署验收意见，即为验收合格。",
        ),
    )
}  # fmt: skip

PAYMENT = (
    "本合同价款为人民币 {price}。委托人（受让人、被许可人）于本合同生效后 15 日内支付 30%，"
    "于{seller_role}交付并经验收合格后 15 日内支付其余 70%。付款前{seller_role}应开具等额发票。"
)
PAYMENT_OPEN = "本合同价款由双方协商确定为人民币＿＿＿＿万元，支付方式：合同生效后 15 日内支付 30%，验收合格后 15 日内支付其余 70%。"  # noqa: E501
CONFIDENTIAL = (
    "双方对在履行本合同中知悉的对方技术秘密和经营信息负有保密义务，保密期限自本合同生效之日"
    "起至该信息公开之日止；本条在合同终止后继续有效。"
)
LIABILITY = (
    "任何一方违反本合同约定，应承担继续履行、采取补救措施或赔偿损失等违约责任；逾期付款或逾期"
    "交付的，每逾期一日按未履行部分价款的万分之五支付违约金。"
)
DISPUTE = (
    "因本合同发生的争议，双方应协商解决；协商不成的，可提请川东北技术交易市场调解，或依法向"
    "合同履行地人民法院起诉。"
)
CLOSING = "本合同一式四份，双方各执两份，自双方签字盖章之日起生效，并于生效后 30 日内申请技术合同认定登记。"  # noqa: E501
