"""Layout stage: a `Document` + `Theme` -> PDF pages (cover, contents, openers, body, back).

ReportLab's platypus flows the blocks; full-page designs (cover, opener pages, back cover)
are drawn by `FullPage` flowables on a frameless page template, a band opener by the page
template of its part's first page. The composition thinks in spreads: a part's opener is
chosen when the layout reaches it (`Decided`), knowing the page, so that an opener page is a
left-hand page facing its text; pictures float to the next page when they do not fit, the
text going on; a booklet short of its page multiple is laid out once more with the changes
of a `Plan` (opener pages, new-page starts, smaller pictures) before blanks are added. The
contents page shows page numbers through form XObjects filled in at the end of a pass.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reportlab.pdfgen.canvas import Canvas

from builder.engine import private
from builder.engine.platypus import (
    BalancedColumns,
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    LayoutError,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)
from builder.errors import BrochureError
from builder.layout.blocks import (
    FigureFrame,
    GridBlock,
    GridRows,
    GridSnap,
    LeadBox,
    QuoteBlock,
    TitleWithText,
    WithNote,
    accent_bar,
)
from builder.layout.chart import change_bars
from builder.layout.pages import PageArt, place_form
from builder.layout.tables import TOO_WIDE_HINT, ColumnsTooWide, DataTableLayout, ScorecardTable
from builder.pdf.printing import Marks, Sheet, draw_marks, has_marks
from builder.pdf.profile import OutputProfile
from builder.source.model import (
    FIGURE_WIDTHS,
    TRUNCATION_MARK,
    Block,
    DataTable,
    Document,
    Figure,
    Heading,
    Paragraph,
    Part,
    Photos,
    Quote,
    Scorecard,
)
from builder.source.texts import tag_printed
from builder.source.theme import Slots, Theme, fill
from builder.typeset import compose, tags
from builder.typeset.record import PrintRecord
from builder.typeset.typesetter import ComposedParagraph, Fonts, Typesetter

if TYPE_CHECKING:
    from builder.pdf.images import ImageStore


@dataclass(frozen=True)
class Plan:
    """What another layout pass changes to fill pages a booklet would leave blank."""

    opener_pages: frozenset[int] = frozenset()
    """Parts whose 'auto' opener is set as a full opener page (not a band)."""
    page_starts: frozenset[int] = frozenset()
    """Parts with their title in the flow that start a new page."""
    tight: bool = False
    """Pictures in the parts' text set smaller (TIGHT_PICTURES), to need fewer pages."""

    def __bool__(self) -> bool:
        return bool(self.opener_pages or self.page_starts or self.tight)


@dataclass
class LayoutState:
    """What the page callbacks need to know while pages are drawn."""

    part_pages: dict[int, int] = field(default_factory=dict)
    """Index of each part -> the page where it starts (1-based)."""
    current_part: Part | None = None
    page_parts: dict[int, Part | None] = field(default_factory=dict)
    """Body page -> the part of its first line (its running header names it)."""
    top_part: Part | None = None
    """The part running on when the current page began."""
    blanks: int = 0
    """Blank pages added before the back cover."""
    auto_bands: set[int] = field(default_factory=set)
    """Parts whose 'auto' opener was set as a band."""
    replanned: Plan = Plan()
    """See BrochureCanvas.replan."""
    mid_page_starts: dict[int, float] = field(default_factory=dict)
    """Parts with their title in the flow that started under something on their page ->
    the share of the text block left under their start."""
    pages: int = 0
    """The page count, known when the document ends."""
    late_forms: list[tuple[str, tuple[float, float, float, float],
                           Callable[[Canvas, int], None]]] = field(default_factory=list)
    """Form XObjects drawn once every page is laid out: (name, bbox, draw(canvas, pages)).
    Pages refer to them before they exist: contents page numbers, headers with {pages}."""


class BrochureCanvas(Canvas):
    """The canvas ReportLab's doc template writes on (its `canvasmaker`): before the file is
    written it draws the late forms and lets `before_save` finish the document (metadata,
    output intent), so one layout pass suffices."""

    def __init__(self, *args: object, layout_state: LayoutState,
                 before_save: Callable[[Canvas], None] | None,
                 replan: Callable[[LayoutState], Plan] | None = None,
                 record: PrintRecord | None = None, document: Document | None = None,
                 overprint_black: bool = False, **options: object) -> None:
        """`replan(state)`: what another pass changes; when it changes anything, this pass
        writes no file (it would be thrown away). With a `record` and the `document`, the
        file is tagged (builder/typeset/tags.py). `overprint_black`: 100 % K text overprints
        (a print file's: builder/typeset/compose.py)."""
        super().__init__(*args, **options)
        self.layout_state, self.before_save, self.replan = layout_state, before_save, replan
        self.document = document
        if overprint_black:
            compose.overprint_black_text(self)
        self.tagger = tags.start(self, record) if record is not None and document is not None \
            else None
        if self.tagger is not None:
            self.setViewerPreference("DisplayDocTitle", "true")

    def showPage(self) -> None:  # noqa: N802  (ReportLab's name)
        if self.tagger is not None:
            self.tagger.seal()
        super().showPage()

    def save(self) -> None:
        pages = self.layout_state.pages = self.getPageNumber() - 1
        if self.replan is not None:
            self.layout_state.replanned = self.replan(self.layout_state)
            if self.layout_state.replanned:
                return
        for name, bbox, draw in self.layout_state.late_forms:
            self.beginForm(name, *bbox)
            draw(self, pages)
            self.endForm(Resources=private.form_resources(self))
        if self.tagger is not None and self.document is not None:
            self.tagger.finish(self.document)
        if self.before_save is not None:
            self.before_save(self)
        super().save()


@dataclass(frozen=True)
class Origin:
    """Which block of the content a flowable sets: what it is and the line it starts at."""

    what: str
    """'paragraph', 'heading', 'quote', 'figure', 'scorecard', 'photos' or 'part title'."""
    line: int


class BlockTooLarge(LayoutError):
    """ReportLab's LayoutError (a flowable that fits no frame and cannot split), with the
    content block it comes from when the story builder marked it (`origin`)."""

    def __init__(self, message: str, origin: Origin | None, *, why: str | None = None,
                 what_to_do: str | None = None) -> None:
        super().__init__(message)
        self.origin = origin
        self.why, self.what_to_do = why, what_to_do
        """Why the block cannot be placed and what to do, when the layout knows better than
        a block of its kind usually would (a table whose columns are wider than the page)."""


def _origin(flowable: object, depth: int = 0) -> Origin | None:
    """The origin marked on `flowable`, or on the first marked flowable it contains (platypus
    wraps flowables kept together in containers)."""
    origin = getattr(flowable, "content_origin", None)
    if isinstance(origin, Origin) or depth > 4:
        return origin if isinstance(origin, Origin) else None
    for name in ("_content", "_flowables", "content"):
        inner = getattr(flowable, name, None)
        if isinstance(inner, (list, tuple)):
            for item in inner:
                found = _origin(item, depth + 1)
                if found is not None:
                    return found
    return None


MAX_PAGES = 1000
"""The layout stops with an error at this page: a brochure has tens, a yearbook hundreds, and
each page costs about 6 ms, so no content, however small its file, runs for minutes."""


class TooManyPages(Exception):  # noqa: N818 - a stop, not a fault
    """The layout reached MAX_PAGES."""


class BrochureDoc(BaseDocTemplate):
    """The doc template: puts what a `Decided` flowable decides into the story when it
    comes to it, through ReportLab's `filterFlowables` hook (blank pages, the kind of a
    part's opener); lets a `floats` flowable that does not fit move to the top of the next
    page while the text goes on; and says which block of the content a flowable too large
    for the page comes from."""

    def __init__(self, *args: object, run_gap: float = 0.0,
                 snap: Callable[[], list[Flowable]] = list, **options: object) -> None:
        """`snap()`: what brings the text after floats back onto the baseline grid (a
        GridSnap, or nothing without design.grid)."""
        super().__init__(*args, **options)
        self.snap = snap
        self.deferred: list[Flowable] = []
        """Floats put off until the next page."""
        self.story: list[Flowable | None] = []
        """The flowables still to lay out (the build loop's list)."""
        self.run_gap = run_gap
        """Space between two runs of balanced columns where a float between them moved
        away."""

    def handle_pageBegin(self) -> None:  # noqa: N802 - ReportLab's name
        super().handle_pageBegin()
        if self.page > MAX_PAGES:
            raise TooManyPages  # ReportLab rewrites the message of what passes through it
        if self.deferred:  # floats put off on the last page open this one (pages, not
            self.story[0:0] = [*self.deferred, *self.snap()]  # frames: balanced columns
            self.deferred = []  # have their own); the text after them back on the grid

    def filterFlowables(self, flowables: list[Flowable | None]) -> None:
        if flowables is not self._hanging:
            self.story = flowables  # the list the build loop takes flowables from
        first = flowables[0]
        deferred = self.deferred
        if deferred and getattr(first, "part_boundary", False):
            for flowable in deferred:  # a part's floats never leave it: smaller, if need be
                if self.frame is not None:
                    _shrink_to_fit(flowable, self.frame, SMALLEST_LAST_FIGURE)
            flowables[0:0] = deferred
            self.deferred = []
            return
        if isinstance(first, Spacer) and type(first) is Spacer and self.frame is not None \
                and first.height > private.frame_room(self.frame)[1] + 1e-6:
            flowables[0] = None  # space at a page's foot: none (it would begin a page)
        elif isinstance(first, Decided):
            flowables[0:1] = first.decide(self.page, self._curPageFlowableCount > 0) \
                or [None]  # None: skipped
        elif getattr(first, "floats", False) and self.frame is not None \
                and not private.frame_at_top(self.frame):
            last = not _text_follows(flowables)  # alone on the next page if it moved
            smallest = SMALLEST_LAST_FIGURE if last else SMALLEST_FIGURE
            if not _shrink_to_fit(first, self.frame, smallest) and not last:
                self.deferred = [*deferred, first]
                flowables[0] = None
                after = next(f for f in flowables[1:]
                             if f is not None and not isinstance(f, GridSnap))
                if isinstance(after, BalancedColumns):  # two runs of columns, one above
                    after.spaceBefore = self.run_gap  # the other: set apart, as by the float

    def handle_flowable(self, flowables: list[Flowable | None]) -> None:
        first = flowables[0] if flowables else None
        try:
            super().handle_flowable(flowables)
        except BlockTooLarge:
            raise
        except LayoutError as error:
            raise BlockTooLarge(str(error), _origin(first)) from None


TITLE_LINES = 3
"""Lines of text that must fit under a part's title in the flow (in balanced columns)."""

PART_END_LINES = 3
"""No page holds only the last one or two lines of a part."""

TIGHT_PICTURES = 0.75
"""Pictures in the text at this share of their width, when that saves a booklet blank
pages (Plan.tight)."""

SMALLEST_FIGURE, SMALLEST_LAST_FIGURE = 0.75, 0.5
"""How far a picture may shrink to stay where it stands rather than float to the next
page: while text follows it, and at the end of its part (where it would stand alone)."""


def _shrink_to_fit(flowable: Flowable, frame: Frame, smallest: float) -> bool:
    """Whether `flowable` fits in what is left of `frame`, a figure shrunk to no less
    than `smallest` of its width if need be."""
    width, room = private.frame_room(frame)
    room -= flowable.getSpaceBefore()
    if flowable.wrap(width, room)[1] <= room + 1e-6:
        return True
    return isinstance(flowable, FigureFrame) and flowable.shrink_to(room, smallest)


def _text_follows(flowables: list[Flowable | None]) -> bool:
    """Whether text of the same part comes next, to fill the room a float leaves."""
    after = next((f for f in flowables[1:] if f is not None), None)
    return after is not None and not getattr(after, "part_boundary", False) \
        and not getattr(after, "floats", False) and not isinstance(after, (Decided, PageBreak))


@dataclass(frozen=True)
class LaidOut:
    pdf: bytes
    pages: int
    part_pages: dict[int, int]
    record: PrintRecord
    """What was printed where: the read-back holds the PDF against it."""
    blanks: int = 0
    """Blank pages added to reach the theme's page multiple."""
    replanned: Plan = Plan()
    """What a second pass changes (this pass wrote no PDF when it changes anything)."""


def layout_document(document: Document, theme: Theme, fonts: Fonts, profile: OutputProfile,
                    progress: Callable[[int], None] | None = None,
                    before_save: Callable[[Canvas], None] | None = None,
                    pdf_version: tuple[int, int] | None = None) -> LaidOut:
    """Lay out the whole brochure and return the PDF bytes; `progress(page)` is told of
    each page begun, `before_save(canvas)` is called once every page is drawn; the file
    declares at least `pdf_version` (ReportLab's default, 1.3, if None).

    Planned page count: when the pages fall short of the theme's page multiple (4 for a
    saddle-stitched booklet), a second pass gives parts whose opener was chosen by length
    ('auto') and set as a band a full opener page facing their text, as many as the
    shortfall and the page sides allow, then starts on a new page parts whose title stood
    low on a page; blank pages make up only what that cannot."""
    told = 0

    def tell(page: int) -> None:  # a second pass tells only of pages the first had not
        nonlocal told
        if progress is not None and page > told:
            told = page
            progress(page)

    def once(plan: Plan, replan: Callable[[LayoutState], Plan] | None = None) -> LaidOut:
        return _layout(document, theme, fonts, profile, tell, before_save, pdf_version,
                       plan, replan)

    first = once(Plan(), _fill_blanks if len(document.parts) <= PLANNED_PARTS else None)
    if not first.replanned:
        return first
    tries = [once(first.replanned)]
    if tries[0].blanks and first.blanks >= 2 and first.replanned != Plan(tight=True):
        tries.append(once(Plan(tight=True)))  # or fewer pages?
    best = min(tries, key=lambda laid: laid.blanks)
    if best.blanks < first.blanks:
        return best
    return once(Plan())  # seldom: the first layout was better after all


PLANNED_PARTS = 40
"""Brochures of more parts (a yearbook) are laid out once: their few blank pages among
hundreds are not worth a second pass, and perfect binding needs none."""


def _fill_blanks(state: LayoutState) -> Plan:
    """The changes that would make up the blank pages `state` needed: parts laid out with
    an 'auto' band opener get a full opener page (each needs a left-hand page, and each
    moves the pages after it by one); then parts whose title stood lowest on a page start
    a new one."""
    offset, pages = 0, set[int]()
    for index in sorted(state.auto_bands):
        if len(pages) < state.blanks and (state.part_pages[index] + offset) % 2 == 0:
            pages.add(index)
            offset += 1
    lowest = sorted(state.mid_page_starts, key=lambda index: state.mid_page_starts[index])
    plan = Plan(frozenset(pages), frozenset(lowest[:state.blanks - len(pages)]))
    return plan or Plan(tight=state.blanks >= 2)


def _layout(document: Document, theme: Theme, fonts: Fonts, profile: OutputProfile,
            progress: Callable[[int], None] | None,
            before_save: Callable[[Canvas], None] | None,
            pdf_version: tuple[int, int] | None, plan: Plan,
            replan: Callable[[LayoutState], Plan] | None = None) -> LaidOut:
    """One layout pass, with the changes of `plan`; `replan`: see BrochureCanvas (the
    result's `replanned`, and no PDF, if it changes anything)."""
    state = LayoutState()
    buffer = io.BytesIO()
    meta = document.meta
    sheet = Sheet.of(theme)
    boxes = ({"trimBox": sheet.trim_box, "bleedBox": sheet.bleed_box} if sheet.slug else {})
    template = BrochureDoc(
        buffer, pagesize=sheet.media, title=meta.title,
        author=meta.issuer or "", subject=meta.subject or meta.subtitle or meta.title,
        creator="brochure", producer="brochure (ReportLab)", lang=meta.language,
        invariant=1, pageCompression=1, initialFontName=fonts.name(theme.style("body")),
        run_gap=3 * theme.style("body").leading,  # two runs of columns a band apart
        snap=lambda: builder.on_grid([]),
        leftMargin=0, rightMargin=0, topMargin=0, bottomMargin=0, **boxes)
    origin = sheet.slug  # the trim's lower left corner on the PDF page
    page_frame = Frame(origin, origin, theme.page_width, theme.page_height, 0, 0, 0, 0,
                       id="page")
    text_height = theme.page_height - theme.margin_top - theme.margin_bottom
    body_frame = Frame(origin + theme.margin_side, origin + theme.margin_bottom,
                       theme.text_width, text_height, 0, 0, 0, 0, id="body")
    chrome = PageChrome(document, theme, fonts, state)
    record = PrintRecord()
    if meta.subject:
        record.omit((meta, "subject"), "the PDF's subject (metadata), not printed")
    builder = StoryBuilder(document, theme, fonts, state, profile, record, plan)

    marked = has_marks(theme)

    def marks(canv: Canvas, _doc: BaseDocTemplate) -> None:
        if marked:  # the same on every page
            with tags.artifact(canv, "Page"):  # printer's marks
                place_form(canv, "marks", (0, 0, *sheet.media),
                           lambda c: draw_marks(c, Marks.of(theme), sheet.trim_box))

    def text_page(canv: Canvas, doc: BaseDocTemplate) -> None:
        marks(canv, doc)
        chrome.begin(canv, doc)

    templates = [
        PageTemplate(id="full", frames=[page_frame], onPage=marks),
        PageTemplate(id="body", frames=[body_frame], onPage=text_page, onPageEnd=chrome.draw),
    ]
    if covers_apart(theme, profile):  # no cover page: the first page is one of text
        templates.reverse()
    for index, part in enumerate(document.parts):  # a page template per band opener
        if builder.opener(part) in ("band", "auto"):
            top = builder.pages.band_height(part) + theme.spacing.block * 2
            if theme.design.grid:  # the frame's top on a line of the grid, rounded down
                step = theme.style("body").leading
                top = theme.margin_top + -(-(top - theme.margin_top) // step) * step
            frame = Frame(origin + theme.margin_side, origin + theme.margin_bottom,
                          theme.text_width, theme.page_height - top - theme.margin_bottom,
                          0, 0, 0, 0, id=f"band-{index}")
            templates.append(PageTemplate(
                id=f"band-{index}", frames=[frame],
                onPage=functools.partial(_band_page, text_page, builder.pages, part, origin),
                onPageEnd=functools.partial(chrome.draw, header=False),
                autoNextPageTemplate="body"))
    template.addPageTemplates(templates)
    if progress is not None:
        template.setProgressCallBack(
            lambda kind, value: progress(value) if kind == "PAGE" else None)
    story = builder.story()
    try:
        template.build(story, canvasmaker=functools.partial(
            BrochureCanvas, layout_state=state, before_save=before_save, replan=replan,
            record=record, document=document, pdfVersion=pdf_version,
            overprint_black=profile.color_space == "CMYK"))
    except TooManyPages:
        raise BrochureError(f"the brochure runs past {MAX_PAGES:,} pages", hint=(
            "split the content into several brochures, e.g. one a year (brochure build "
            "a.yaml b.yaml builds them together)")) from None
    return LaidOut(pdf=buffer.getvalue(), pages=state.pages, part_pages=state.part_pages,
                   record=record, blanks=state.blanks, replanned=state.replanned)


def _band_page(text_page: Callable[[Canvas, BaseDocTemplate], None], art: PageArt,
               part: Part, origin: float, canv: Canvas, doc: BaseDocTemplate) -> None:
    """onPage of a part's first page under a band opener: marks, then the band."""
    text_page(canv, doc)
    canv.saveState()
    canv.translate(origin, origin)
    art.band_opener(canv, part)
    canv.restoreState()


class FullPage(Flowable):
    """A flowable that fills a whole page and draws on it with page coordinates."""

    def __init__(self, draw: Callable[[Canvas], None]) -> None:
        super().__init__()
        self.draw_page = draw

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return available_width, available_height

    def draw(self) -> None:
        self.canv.saveState()
        self.draw_page(self.canv)
        self.canv.restoreState()


class Decided(Flowable):
    """A placeholder for flowables chosen when the layout reaches it, knowing the page:
    `BrochureDoc` puts `decide(page, used)` in its place (`used`: the current page holds
    something already)."""

    def __init__(self, decide: Callable[[int, bool], list[Flowable]]) -> None:
        super().__init__()
        self.decide = decide


def blank_pages(multiple: int, state: LayoutState) -> Decided:
    """Blank pages before the back cover, so the page count is a multiple of `multiple`
    (4 for a saddle-stitched booklet)."""

    def decide(page: int, _used: bool) -> list[Flowable]:
        # the flowables that end `page` (still empty: the back cover's) and the blank pages
        # after it; a zero-size mark on each makes the page count as used
        blanks = state.blanks = -page % max(1, multiple)
        return [flowable for _ in range(blanks) for flowable in (Spacer(0, 0), PageBreak())]
    return Decided(decide)


def image_store(document: Document, theme: Theme, profile: OutputProfile) -> ImageStore:
    """A store for the pictures of a build's file, in the profile's colour space."""
    from builder.pdf import images

    paper = theme.color("paper")
    return images.ImageStore(profile.color_space,
                             paper.cmyk() if profile.color_space == "CMYK" else paper.rgb(),
                             document.source)


def even_pages(state: LayoutState) -> Decided:
    """A blank page after the last, if that makes the count even (a perfect-bound book:
    each leaf has two sides)."""

    def decide(page: int, used: bool) -> list[Flowable]:
        state.blanks = (page if used else page - 1) % 2
        return [PageBreak(), Spacer(0, 0)] if state.blanks else []
    return Decided(decide)


def covers_apart(theme: Theme, profile: OutputProfile) -> bool:
    """Whether the covers are printed apart from the pages, on a cover spread: a
    perfect-bound print file (builder/layout/spread.py)."""
    return profile.pad_pages and theme.print.binding == "perfect"


class PartStart(Flowable):
    """Zero-size marker: records the page where a part starts and adds its bookmark."""

    _ZEROSIZE = True  # platypus places it even where no room is left

    def __init__(self, index: int, part: Part, label: str, state: LayoutState,
                 page_top: float, space: float) -> None:
        """`page_top`: the top of the PDF page, where a part that starts a page (under its
        band or on its opener page) is said to start; `space`: what may stand above it on
        such a page (the space after the last block of the part before)."""
        super().__init__()
        self.index, self.part, self.label, self.state = index, part, label, state
        self.page_top, self.space = page_top, space
        self.in_flow = False
        """Set for a part whose title is in the flow: a start under other text on its
        page is noted (LayoutState.mid_page_starts)."""
        self.width = self.height = 0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        key = f"part{self.index}"
        page = self.canv.getPageNumber()
        frame = private.placing_frame(self)
        if frame is None or private.frame_at_top(frame) or private.frame_room(frame)[1] \
                >= private.frame_height(frame) - self.space:  # the page's first line is ours
            self.state.page_parts[page] = self.part
            self.canv.bookmarkHorizontalAbsolute(key, self.page_top)
        else:  # an /XYZ destination: where the part starts on the page
            self.canv.bookmarkHorizontal(key, 0, 0)
            if self.in_flow and frame is not None:
                room = private.frame_room(frame)[1]
                self.state.mid_page_starts[self.index] = room / private.frame_height(frame)
        self.canv.addOutlineEntry(self.label, key, level=0, closed=False)
        self.state.part_pages[self.index] = page
        self.state.current_part = self.part


def section_label(document: Document, part: Part) -> str:
    """'01 文明城市' for numbered sections, the bare title otherwise."""
    number = document.section_number(part)
    return f"{number:02d} {part.title}" if number else part.title


class PageChrome:
    """Running header and footer of body pages, from the theme's templates.

    Each page shows a form XObject drawn when the document ends, when {pages} is known."""

    def __init__(self, document: Document, theme: Theme, fonts: Fonts,
                 state: LayoutState) -> None:
        self.document, self.theme, self.fonts, self.state = document, theme, fonts, state
        self.type = Typesetter(theme, fonts, language=document.meta.language)
        """Sets the lines (¼ em Han–Latin gaps); not recorded: the chrome repeats the title
        and section names, and is drawn in forms after the last page."""

    def begin(self, _canv: Canvas, _doc: BaseDocTemplate) -> None:
        """onPage of text pages: the part running on when the page begins."""
        self.state.top_part = self.state.current_part

    def draw(self, canv: Canvas, _doc: BaseDocTemplate, header: bool = True) -> None:
        """onPageEnd of text pages: place this page's chrome form (without the running
        header on a page that opens with a band)."""
        page = canv.getPageNumber()
        self.state.page_parts.setdefault(page, self.state.top_part)
        name = f"chrome-{page}"
        box = (0, 0, self.theme.page_width, self.theme.page_height)
        self.state.late_forms.append(
            (name, box, lambda c, pages: self.fill(c, page, pages, header)))
        canv.saveState()
        canv.translate(self.theme.print.slug, self.theme.print.slug)
        with tags.artifact(canv, "Pagination"):
            canv.doForm(name)
        canv.restoreState()

    def fill(self, canv: Canvas, page: int, pages: int, header: bool = True) -> None:
        """Draw the header and footer of one page (trim coordinates)."""
        theme, d = self.theme, self.theme.decor
        part = self.state.page_parts.get(page)
        fields = {"title": self.document.meta.title, "page": page, "pages": pages,
                  "section": section_label(self.document, part) if part else ""}
        left, right = theme.margin_side, theme.page_width - theme.margin_side
        header_y = theme.page_height - theme.header_offset
        if header and self._slots(canv, theme.header, page, fields, "running_header",
                                  header_y) and d.header_rule_width > 0:
            canv.setStrokeColor(theme.color("accent"))
            canv.setLineWidth(d.header_rule_width)
            rule_y = header_y - d.header_rule_gap
            canv.line(left, rule_y, right, rule_y)
        drawn = self._slots(canv, theme.footer, page, fields, "folio", theme.footer_offset)
        if d.folio_rule_length <= 0:
            return
        folio = theme.style("folio")
        gap, length = d.folio_rule_gap, d.folio_rule_length
        rule_y = theme.footer_offset + folio.size / 3
        canv.setStrokeColor(theme.color("accent"))
        canv.setLineWidth(d.header_rule_width)
        for align, width in drawn:  # short rules beside the folio, towards the page's inside
            if align == "center":
                centre, half = theme.page_width / 2, width / 2
                canv.line(centre - half - gap - length, rule_y, centre - half - gap, rule_y)
                canv.line(centre + half + gap, rule_y, centre + half + gap + length, rule_y)
            elif align == "left":
                canv.line(left + width + gap, rule_y, left + width + gap + length, rule_y)
            else:
                canv.line(right - width - gap - length, rule_y, right - width - gap, rule_y)

    def _slots(self, canv: Canvas, slots: Slots, page: int, fields: dict, role: str,
               y: float) -> list[tuple[str, float]]:
        """Draw the slots of `page`; returns the (alignment, width) of each text drawn."""
        left, right = self.theme.margin_side, self.theme.page_width - self.theme.margin_side
        drawn = []
        for align, template in slots.by_slot(page):
            text = fill(template, fields)
            if not text:
                continue
            x = {"left": left, "right": right}.get(align, self.theme.page_width / 2)
            drawn.append((align, self.type.draw_line(canv, text, role, x, y, align)))
        return drawn


class StoryBuilder:
    """Turns the document into the list of flowables platypus lays out."""

    def __init__(self, document: Document, theme: Theme, fonts: Fonts,
                 state: LayoutState, profile: OutputProfile,
                 record: PrintRecord | None = None,
                 plan: Plan = Plan()) -> None:
        self.document, self.theme, self.fonts = document, theme, fonts
        self.plan = plan
        """Changes to fill a booklet's blank pages (see layout_document)."""
        self.noted = False
        """Whether the note on the truncation mark is placed."""
        self.page_top = Sheet.of(theme).media[1]
        """The top of the PDF page (where a part that starts a page is bookmarked)."""
        self.grid_top = Sheet.of(theme).slug + theme.page_height - theme.margin_top
        """The baseline grid's anchor (design.grid): the body frame's top on the PDF page."""
        self.grid_step = theme.style("body").leading
        """The baseline grid's step: the body leading."""
        self.state, self.profile, self.record = state, profile, record
        self._images: ImageStore | None = None
        self.type = Typesetter(theme, fonts, record, document.meta.language)
        self.pages = PageArt(document, theme, fonts, self.type, self.images)

    def images(self) -> ImageStore:
        """The build's image store, made when the first picture is drawn: Pillow and
        LittleCMS are imported only by builds that place pictures (15 ms)."""
        if self._images is None:
            self._images = image_store(self.document, self.theme, self.profile)
        return self._images

    def story(self) -> list[Flowable]:
        """The pages in order: the cover, the contents, the parts, blank pages to the page
        multiple, the back cover. A perfect-bound print file leaves the covers to the cover
        spread (`covers_apart`): its first page is the contents' (or the first part's), a
        right-hand page 1, and it ends on an even page."""
        apart = covers_apart(self.theme, self.profile)
        story: list[Flowable] = [] if apart else [FullPage(self.pages.cover)]
        if not self.pages.master("cover").lists_sections:  # else the cover lists them
            story += [NextPageTemplate("body"), *([] if apart else [PageBreak()]),
                      *self.contents()]
        for index, part in enumerate(self.document.parts):
            story += self.part(index, part)
        if apart:  # a blank page is blank: no running head, no folio
            return [*story, NextPageTemplate("full"), even_pages(self.state)]
        story += [NextPageTemplate("full"),
                  PageBreak(), blank_pages(self.theme.print.page_multiple, self.state),
                  FullPage(self.pages.back_cover)]
        return story

    def contents(self) -> list[Flowable]:
        theme, meta = self.theme, self.document.meta
        flow: list[Flowable] = [
            self.type.paragraph(theme.labels.contents, "contents_title"),
            accent_bar(theme, space_after=theme.decor.contents_title_after),
        ]
        if meta.lead:
            flow += [LeadBox(self.type.paragraph(meta.lead, "lead", "justify",
                                                 sources=((meta, "lead"),)), theme),
                     Spacer(1, theme.decor.contents_lead_after)]
        entries: list[Flowable] = [ContentsEntry(self.document, index, theme, self.type,
                                                 self.state, self.profile.links)
                                   for index in range(len(self.document.parts))]
        if theme.design.grid:  # whole body lines each, from a line of the grid (GridRows)
            entries = [GridRows(entries, self.grid_step, self.grid_top)]
        return flow + entries

    def opener(self, part: Part) -> str:
        """How `part` opens: 'page', 'band' or 'auto' (section parts), else 'inline'."""
        if part.layout != "section" or self.theme.design.opener == "inline":
            return "inline"
        return part.opener or self.theme.design.opener

    def part(self, index: int, part: Part) -> list[Flowable]:
        label = section_label(self.document, part)
        marker = PartStart(index, part, label, self.state, self.page_top,
                           self.theme.spacing.block * 2)
        if part.tag and not tag_printed(part, self.theme) and self.record is not None:
            self.record.omit((part, "tag"), "the design prints tags on section openers only")
        if part.layout == "gallery":
            figures = [b for b in part.blocks if isinstance(b, Figure)]
            others = [b for b in part.blocks if not isinstance(b, Figure)]
            body = self.gallery(figures) + self.body(others, part)
        else:
            body = self.body(list(part.blocks), part)
        opener = self.opener(part)
        if opener == "auto":
            long_part = index in self.plan.opener_pages \
                or self.pages_of(body) >= self.theme.design.opener_page_from
            opener = "page" if long_part else "band"
            decide = functools.partial(self.open_part, index, part, marker, opener,
                                       fallback=True)
            head: list[Flowable] = [Decided(decide)]
        elif opener in ("page", "band"):
            head = [Decided(functools.partial(self.open_part, index, part, marker, opener))]
        else:  # a title in the flow, on the page under way if it has room with a few lines
            title = self.part_title(part)
            title[0].spaceBefore = self.theme.spacing.block * 2  # none at a page's top
            frame = self.theme.page_height - self.theme.margin_top - self.theme.margin_bottom
            room = max(self.theme.page_height * self.theme.spacing.share_page,
                       self.pages_of(title) * frame)
            if index in self.plan.page_starts:  # a new page, unless this one is still empty
                room = (self.theme.page_height - self.theme.margin_top
                        - self.theme.margin_bottom) * 0.9  # (but for a space)
            brk: Flowable = CondPageBreak(room)
            marker.in_flow = True
            lead = next((i for i, f in enumerate(body) if not isinstance(f, Spacer)
                         or getattr(f, "box", None) is not None), None)  # a quote's snap
            if lead is None:
                head = [NextPageTemplate("body"), brk, marker, *title]
            else:  # the part starts where its title is, never alone at a page's foot
                lines = TITLE_LINES * self.theme.style("body").leading
                head = [NextPageTemplate("body"), brk,
                        TitleWithText([marker, *title, *body[:lead + 1]], lines)]
                body = body[lead + 1:]
        head[0].part_boundary = True
        _mark(head, Origin("part title", part.line))
        return head + body

    def open_part(self, index: int, part: Part, marker: PartStart, opener: str, page: int,
                  used: bool, fallback: bool = False) -> list[Flowable]:
        """The flowables that open `part` when the layout is on `page` (`used`: holding
        something): a full opener page on a left-hand page facing the text (else a band
        when `fallback`, else a blank page first), or a band atop the next page (a
        right-hand one when the theme says so)."""
        following = page + 1 if used else page
        blank: list[Flowable] = [NextPageTemplate("full"), PageBreak(), Spacer(0, 0)] \
            if used else [Spacer(0, 0)]
        if opener == "page" and following % 2 == 1 and fallback:
            opener = "band"
        if fallback and opener == "band":
            self.state.auto_bands.add(index)
        if opener == "page":
            flow = blank if following % 2 == 1 else []
            return flow + [NextPageTemplate("full"), PageBreak(), marker,
                           FullPage(functools.partial(self.pages.opener, part=part)),
                           NextPageTemplate("body"), PageBreak()]
        flow = blank if self.theme.design.part_start == "right" and following % 2 == 0 \
            else []
        return flow + [NextPageTemplate(f"band-{index}"), PageBreak(), marker]

    def pages_of(self, flow: list[Flowable]) -> float:
        """About how many text pages `flow` fills (to choose an opener)."""
        theme = self.theme
        frame = theme.page_height - theme.margin_top - theme.margin_bottom
        height = 0.0
        for flowable in flow:
            if isinstance(flowable, BalancedColumns):
                inner = getattr(flowable, "_content", [])
                height += sum(f.wrap(theme.column_width, frame)[1] for f in inner) \
                    / max(1, theme.design.columns)
            elif not isinstance(flowable, (CondPageBreak, NextPageTemplate, PageBreak)):
                height += flowable.wrap(theme.text_width, frame)[1] \
                    + flowable.getSpaceBefore() + flowable.getSpaceAfter()
        return height / frame

    def body(self, blocks: Sequence[Block], part: Part) -> list[Flowable]:
        """The part's blocks; in a two-column design, runs of text are set in balanced
        columns while tables and figures span the measure. A part's last paragraph carries
        at least PART_END_LINES to a page it runs on to."""
        columns = self.theme.design.columns
        if columns == 1:
            single = [f for block in blocks for f in self.block(block, part)]
            last = getattr(single[-1], "paragraph", single[-1]) if single else None
            if isinstance(last, ComposedParagraph) and isinstance(blocks[-1], Paragraph):
                last.widows = PART_END_LINES
            return single
        flow: list[Flowable] = []
        run: list[Flowable] = []
        gap = self.theme.text_width - columns * self.theme.column_width
        for block in blocks:
            if isinstance(block, (Heading, Quote)):
                run += self.in_column(self.block(block, part))
                continue
            if isinstance(block, Paragraph):
                run += self.block(block, part)
                continue
            if run:
                flow += self.on_grid([])
                flow.append(BalancedColumns(run, nCols=columns, innerPadding=gap,
                                            leftPadding=0, rightPadding=0, topPadding=0,
                                            bottomPadding=0))
                run = []
            flow += self.block(block, part)
        if run:
            flow += self.on_grid([])
            flow.append(BalancedColumns(run, nCols=columns, innerPadding=gap, leftPadding=0,
                                        rightPadding=0, topPadding=0, bottomPadding=0))
        return flow

    def on_grid(self, flow: list[Flowable]) -> list[Flowable]:
        """`flow` (body text) after a GridSnap when the theme sets the body on the grid."""
        if not self.theme.design.grid:
            return flow
        return [GridSnap(self.grid_step, self.grid_top), *flow]

    def in_column(self, flow: list[Flowable]) -> list[Flowable]:
        """A heading's or a quote's flowables in balanced columns, in whole lines of the grid
        (its page break condition stays in front) when the theme sets one."""
        if not self.theme.design.grid:
            return flow
        step = self.grid_step
        breaks = [f for f in flow if isinstance(f, CondPageBreak)]
        kept: list[Flowable] = []
        for flowable in flow:
            if isinstance(flowable, GridSnap) and flowable.box is not None:  # a quote: its
                lines = -(-(flowable.gap + flowable.inset) // step)  # text whole lines down
                kept += [Spacer(1, lines * step - flowable.inset), flowable.box]
            elif not isinstance(flowable, CondPageBreak):
                kept.append(flowable)
        block = GridBlock(kept, step)
        block.content_origin = getattr(kept[0], "content_origin", None)
        return [*breaks, block]

    def part_title(self, part: Part) -> list[Flowable]:
        theme = self.theme
        number = self.document.section_number(part)
        flow: list[Flowable] = []
        if number and theme.design.opener == "inline":
            flow.append(self.type.paragraph(f"{number:02d}", "part_label"))
        flow += [self.type.paragraph(part.title, "part_title", sources=((part, "title"),)),
                 accent_bar(theme, space_after=theme.spacing.block)]
        if part.headline:
            flow.append(self.type.paragraph(part.headline, "part_headline",
                                            sources=((part, "headline"),)))
        if part.tag and tag_printed(part, theme):  # opener pages print it themselves
            flow += [Spacer(1, theme.spacing.block / 2),
                     self.type.paragraph(part.tag, "opener_tag", sources=((part, "tag"),))]
        flow.append(Spacer(1, theme.spacing.part_title_after))
        return flow

    def block(self, block: Block, part: Part) -> list[Flowable]:
        origin = Origin(_KINDS[type(block)], block.line)
        try:
            return _mark(self._block(block, part), origin)
        except ColumnsTooWide as error:
            raise BlockTooLarge(str(error), origin, why=str(error),
                                what_to_do=TOO_WIDE_HINT) from None

    def _block(self, block: Block, part: Part) -> list[Flowable]:
        gap = self.theme.spacing.block
        if isinstance(block, Paragraph):
            suffix = TRUNCATION_MARK if block.truncated else ""
            flow: list[Flowable] = [self.type.paragraph(
                block.text, "body", "justify", suffix, "muted", sources=((block, "text"),),
                punctuation=block.punctuation)]
            if block.truncated and not self.noted:  # the note on "……" under its first use
                self.noted = True
                note = self.type.paragraph(self.theme.labels.truncated_note, "note")
                flow = [WithNote(flow[0], note, self.theme.spacing.block / 2)]
            return self.on_grid(flow)
        if isinstance(block, Heading):
            style = self.theme.style("heading")
            return [CondPageBreak(style.leading * 4), Spacer(1, gap / 2),
                    self.type.paragraph(block.text, "heading", sources=((block, "text"),),
                                        punctuation=block.punctuation),
                    Spacer(1, gap / 3)]
        if isinstance(block, Quote):
            quote = QuoteBlock(block, self.theme, self.type)
            if not self.theme.design.grid:
                return [quote]
            quote.spaceBefore = 0.0  # the snap leaves the space, its text on the grid
            return [GridSnap(self.grid_step, self.grid_top,
                             inset=quote.padding, gap=gap, box=quote)]
        if isinstance(block, Figure):
            width = self.theme.text_width * FIGURE_WIDTHS[block.width] \
                * (TIGHT_PICTURES if self.plan.tight else 1.0)
            figure = FigureFrame(block, width, self.theme, self.type, self.images)
            figure.hAlign, figure.spaceBefore, figure.spaceAfter = "CENTER", gap, gap
            figure.floats = True  # to the next page's top if it does not fit: text goes on
            return [figure]
        if isinstance(block, Photos):
            grid = self.gallery(list(block.figures), block.columns,
                                TIGHT_PICTURES if self.plan.tight else 1.0)
            for table in grid:
                table.spaceBefore, table.spaceAfter, table.floats = gap, gap / 2, True
            return grid
        if isinstance(block, DataTable):
            table = DataTableLayout(block, self.theme, self.type)
            data_chart = table.chart(self.theme.text_width)
            if data_chart is not None:
                data_chart.sources = ((block, "title"),)
            return table.flowables(show_title=block.title != part.title, chart=data_chart)
        chart = change_bars(block, self.theme, self.type, self.theme.text_width) \
            if block.chart == "bars" else None
        if chart is not None:
            chart.sources = ((block, "title"),)
        return ScorecardTable(block, self.theme, self.type).flowables(
            show_title=block.title != part.title, chart=chart)

    def gallery(self, figures: list[Figure], columns: int = 2,
                scale: float = 1.0) -> list[Flowable]:
        """Pictures in a grid of `columns`, each scaled to its frame, captions below; the
        grid `scale` of the text block's width, centred."""
        if not figures:
            return []
        gap = self.theme.spacing.gallery_gap
        width = (self.theme.text_width * scale - gap * (columns - 1)) / columns
        frames = [FigureFrame(f, width, self.theme, self.type, self.images) for f in figures]
        caption = self.theme.style("caption")
        style = TableStyle([
            ("FONT", (0, 0), (-1, -1), self.fonts.name(caption), caption.size),
            ("TEXTCOLOR", (0, 0), (-1, -1), self.theme.color(caption.color)),
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), gap),
            ("VALIGN", (0, 0), (-1, -1), "TOP")])
        full = len(frames) - len(frames) % columns
        grids = [[frames[i:i + columns] for i in range(0, full, columns)], [frames[full:]]]
        tables = []
        for rows in grids:  # full rows, then the last pictures centred under them
            if not rows or not rows[0]:
                continue
            count = len(rows[0])
            table = Table(rows, colWidths=[width + gap] * (count - 1) + [width],
                          hAlign="LEFT" if count == columns and scale == 1 else "CENTER")
            table.setStyle(style)
            tables.append(table)
        return tables


_KINDS = {Paragraph: "paragraph", Heading: "heading", Quote: "quote", Figure: "figure",
          Scorecard: "scorecard", Photos: "photos", DataTable: "table"}


def _mark(flow: list[Flowable], origin: Origin) -> list[Flowable]:
    """Mark each flowable with the block it sets (`content_origin`, read by BlockTooLarge);
    returns `flow`."""
    for flowable in flow:
        if flowable is not None and getattr(flowable, "content_origin", None) is None:
            flowable.content_origin = origin
        if isinstance(flowable, TitleWithText):  # it hands its pieces to the page
            _mark(flowable.content, origin)
    return flow


class ContentsEntry(Flowable):
    """One line of the contents: number, title, headline, dotted leader, page."""

    def __init__(self, document: Document, index: int, theme: Theme,
                 typesetter: Typesetter, state: LayoutState, links: bool) -> None:
        """`links`: the entry is a link to its part (screen files)."""
        super().__init__()
        part = document.parts[index]
        self.document, self.part, self.index, self.state = document, part, index, state
        self.links = links
        self.theme, self.type = theme, typesetter
        self.number = document.section_number(part)
        detail = part.headline or ""
        self.detail = typesetter.paragraph(detail, "contents_detail",
                                           sources=((part, "headline"),)) if detail else None
        self.indent = theme.decor.contents_indent
        self.spaceAfter = theme.decor.contents_entry_after

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        entry = self.theme.style("contents_entry")
        self.height = entry.leading
        if self.detail is not None:
            _, detail_height = self.detail.wrap(available_width - 2 * self.indent,
                                                available_height)
            self.height += detail_height
        return self.width, self.height

    def draw(self) -> None:
        canv, theme, fonts = self.canv, self.theme, self.type.fonts
        entry, number_style = theme.style("contents_entry"), theme.style("contents_number")
        y = self.height - entry.size
        if self.number:
            self.type.draw_line(canv, f"{self.number:02d}", "contents_number", 0, y)
        # a line of the composer: the ¼ em Han–Latin gap, as everywhere
        record = self.type.record
        title = record.expect(self.part.title, "contents_entry", (self.part, "title")) \
            if record is not None else None
        title_end = self.indent + self.type.draw_line(
            canv, self.part.title, "contents_entry", self.indent, y,
            sources=((self.part, "title"),), printing=title)
        # the page number is a form filled in when the part has been laid out
        name = f"contents-page-{self.index}"
        size = number_style.size
        self.state.late_forms.append((name, (-5 * size, -size / 2, 0, size), self.fill_number))
        canv.saveState()
        canv.translate(self.width, y)
        with tags.element(canv, "contents_page", None, (self.part, "title")):
            canv.doForm(name)
        canv.restoreState()
        if self.links:  # screen files: the entry links to its part (tagged with its title)
            canv.linkRect(self.part.title, f"part{self.index}",
                          (0, 0, self.width, self.height), relative=1, thickness=0,
                          name=f"contents{self.index}")
            if title is not None:
                tags.link(canv, title, f"Annot.contents{self.index}")
        page_start = self.width - canv.stringWidth("888", fonts.name(number_style),
                                                   number_style.size)
        # the dotted leader: one line of round dots (a dash pattern), not a shape per dot
        step = theme.decor.leader_step
        start, end = title_end + 2 * step, page_start - step
        if end > start:
            canv.saveState()
            canv.setStrokeColor(theme.color("rule"))
            canv.setLineWidth(2 * theme.decor.leader_dot)
            canv.setLineCap(1)
            canv.setDash([0, step])
            canv.line(start, y + entry.size / 4, end - (end - start) % step,
                      y + entry.size / 4)
            canv.restoreState()
        if self.detail is not None:
            self.detail.drawOn(canv, self.indent, 0)

    def fill_number(self, canv: Canvas, _pages: int) -> None:
        style = self.theme.style("contents_number")
        canv.setFont(self.type.fonts.name(style), style.size)
        canv.saveState()
        compose.set_text_fill(canv, self.theme.color(style.color))
        canv.drawRightString(0, 0, str(self.state.part_pages.get(self.index, "")))  # digits
        canv.restoreState()
