"""The synthetic province's daily reports and directives, so the demo's screens show a working routine.

Runs after the outbreak and quarantine steps, in the generator's transaction:

- daily reports for the last three local days: most communes report (nine in ten the days before, three in
  four today, the rest missing), each with the platform's own figures for its commune and day, a few of them
  corrected by the commune (one more F1 traced, a test fewer), sent between 14:00 and 17:30 (so some late),
  and a few with difficulties written in; written in bulk, with the platform's figures counted in bulk;
- two directives from the first district's officer (``huyen-<code>``) to all its communes, through the
  directives service (so recipients are notified): one sent two days ago, due in 24 hours, acknowledged by about
  half of the communes (the others are overdue), one sent this morning, read by a few.

Deterministic for the seed and reference date. ``clear`` removes what a run wrote (by id range).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from phongdich.accounts.models import User
from phongdich.synth.bulk import BulkWriter
from phongdich.synth.generator import SynthContext, commune_username, district_username, register_step
from phongdich.synth.models import SynthRun

DAYS = 3
SHARE_REPORTING = 0.9
SHARE_REPORTING_TODAY = 0.75
DIFFICULTIES = (
    "Thiếu que test nhanh kháng nguyên, đề nghị huyện cấp bổ sung 500 test.",
    "Khu cách ly tập trung đã đầy 90 %, đề nghị bố trí thêm địa điểm.",
    "Thiếu nhân lực trực chốt kiểm soát ban đêm.",
    "Người dân ở khu vực phong tỏa cần hỗ trợ lương thực.",
)


class ReportsStep:
    name = "reports"

    def run(self, context: SynthContext) -> None:
        context.counts["daily_reports"] = 0
        context.counts["directives"] = 0
        if not context.communes:
            return
        self._reports(context)
        self._directives(context)

    def _reports(self, context: SynthContext) -> None:
        from phongdich.reports.models import FIGURE_NAMES, DailyReport
        from phongdich.reports.services import figures_for_communes

        officers = {
            user.username: user
            for user in User.objects.filter(username__in=[commune_username(c) for c in context.communes])
        }
        today = timezone.localdate(context.now)
        made: list[DailyReport] = []
        for back in range(DAYS - 1, -1, -1):
            day = today - dt.timedelta(days=back)
            rng = context.rng("reports", day.isoformat())
            share = SHARE_REPORTING_TODAY if back == 0 else SHARE_REPORTING
            platform = figures_for_communes([c.pk for c in context.communes], day)
            # Reports sent by hand meanwhile (a commune officer trying the demo) stay as they are.
            sent = set(DailyReport.objects.filter(day=day).values_list("commune_id", flat=True))
            for commune in context.communes:
                if rng.random() >= share or commune.pk in sent:
                    continue
                figures = dict(platform[commune.pk])
                submitted = figures.copy()
                if rng.random() < 0.15:
                    submitted["f1_traced"] += 1
                if rng.random() < 0.1 and submitted["tests"] > 0:
                    submitted["tests"] -= 1
                minute = rng.randint(14 * 60, 17 * 60 + 30)
                # Drawn whether used or not: the draws must not depend on the time of day the run happens,
                # or a second run a second later picks other communes (a test caught it at 14:25).
                minutes_ago = rng.randint(1, 90)
                at = timezone.make_aware(dt.datetime.combine(day, dt.time(minute // 60, minute % 60)))
                if at > context.now:
                    at = context.now - dt.timedelta(minutes=minutes_ago)
                report = DailyReport(
                    commune=commune,
                    day=day,
                    submitted_by=officers.get(commune_username(commune)),
                    submitted_at=at,
                    difficulties=rng.choice(DIFFICULTIES) if rng.random() < 0.08 else "",
                )
                for name in FIGURE_NAMES:
                    setattr(report, name, submitted[name])
                    setattr(report, f"platform_{name}", figures[name])
                made.append(report)
        created = DailyReport.objects.bulk_create(made, batch_size=500)
        ids = [report.pk for report in created if report.pk is not None]
        if not ids:
            # Databases that do not return ids from a bulk insert: find them by the rows just written.
            ids = list(
                DailyReport.objects.filter(
                    commune__in=context.communes, day__gte=today - dt.timedelta(days=DAYS - 1)
                ).values_list("pk", flat=True)
            )
        if ids:
            context.run.id_ranges["daily_report"] = [min(ids), max(ids)]
        context.counts["daily_reports"] = len(made)

    def _directives(self, context: SynthContext) -> None:
        from phongdich.reports import directives
        from phongdich.reports.models import Directive, DirectiveRecipient

        district = context.districts[0] if context.districts else None
        sender = User.objects.filter(username=district_username(district)).first() if district else None
        if district is None or sender is None:
            return
        rng = context.rng("directives", district.code)
        older, _created = directives.send_directive(
            sender,
            directives.DirectiveInput(
                title="Tăng cường xét nghiệm sàng lọc tại các chợ đầu mối",
                body=(
                    "Đề nghị UBND các xã, phường tổ chức xét nghiệm nhanh kháng nguyên cho 100 % tiểu thương tại "
                    "các chợ trên địa bàn, 3 ngày một lần, báo cáo kết quả về Trung tâm Y tế trước 16 giờ hằng ngày."
                ),
                all_communes_of=[district.code],
                acknowledge_within_hours=24,
                request_key=f"synth-{context.run.pk}-1",
            ),
        )
        newer, _created = directives.send_directive(
            sender,
            directives.DirectiveInput(
                title="Thông báo điều chỉnh cấp độ dịch",
                body="Thông báo các biện pháp áp dụng theo cấp độ dịch mới từ 0 giờ ngày mai.",
                all_communes_of=[district.code],
                acknowledge_within_hours=24,
                request_key=f"synth-{context.run.pk}-2",
            ),
        )
        # Back-date the first one to two days ago, so its acknowledgements are due and some are overdue.
        sent = context.now - dt.timedelta(days=2)
        Directive.objects.filter(pk=older.pk).update(sent_at=sent, acknowledge_by=sent + dt.timedelta(hours=24))
        Directive.objects.filter(pk=newer.pk).update(
            sent_at=context.now - dt.timedelta(hours=3), acknowledge_by=context.now + dt.timedelta(hours=21)
        )
        mine = [commune for commune in context.communes if commune.path.startswith(district.path)]
        accounts = {
            user.username: user for user in User.objects.filter(username__in=[commune_username(c) for c in mine])
        }
        officers = {c.pk: accounts[commune_username(c)] for c in mine if commune_username(c) in accounts}
        for row in DirectiveRecipient.objects.filter(directive=older).order_by("unit__path"):
            officer = officers.get(row.unit_id)
            if officer is None:
                continue
            if rng.random() < 0.5:
                directives.acknowledge(officer, older.pk, "Đã triển khai tới các tổ dân phố.")
            elif rng.random() < 0.5:
                directives.open_directive(officer, older.pk)
        for row in DirectiveRecipient.objects.filter(directive=newer).order_by("unit__path"):
            officer = officers.get(row.unit_id)
            if officer is not None and rng.random() < 0.3:
                directives.open_directive(officer, newer.pk)
        context.run.id_ranges["directive"] = [min(older.pk, newer.pk), max(older.pk, newer.pk)]
        context.counts["directives"] = 2

    def clear(self, run: SynthRun, writer: BulkWriter) -> None:
        from phongdich.notify.models import Message
        from phongdich.reports.models import DailyReport, Directive

        reports = run.id_range("daily_report")
        if reports:
            DailyReport.objects.filter(pk__gte=reports[0], pk__lte=reports[1]).delete()
        sent = run.id_range("directive")
        if sent:
            generated = Directive.objects.filter(pk__gte=sent[0], pk__lte=sent[1])
            keys = Q()
            for pk in generated.values_list("pk", flat=True):
                keys |= Q(event_key__startswith=f"directive:{pk}:")
            if keys:
                Message.objects.filter(keys).delete()
            generated.delete()


def register() -> None:
    """Add the step after the outbreak and quarantine steps whose records the reports count."""
    from phongdich.quarantine import synth_step as quarantine_step

    quarantine_step.register()
    register_step(ReportsStep())
