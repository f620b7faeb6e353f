//! Where a photo was taken is removed from it as it uploads, since notes are shared: the
//! GPS part of its EXIF data, and its XMP packet (which may repeat it). The rest of the
//! EXIF data stays (a photo's orientation is in it).
//!
//! The file streams through: only a metadata block is ever held (a JPEG segment is at
//! most 64 KB; larger PNG or WebP metadata chunks are refused as metadata and passed on
//! whole, up to [`MAX_BLOCK`]), and image data passes as it comes. The GPS block is
//! blanked where it is, so no offset in the EXIF data and no size in a WebP file changes.
//! JPEG, PNG and WebP are cleaned; other files pass unchanged.
//!
//! No crate does this as a stream: the EXIF writers (`little_exif`, `img-parts`) read and
//! rewrite a whole file in memory.

use bytes::{Bytes, BytesMut};

/// The largest metadata block held to be cleaned.
const MAX_BLOCK: usize = 1 << 20;

/// The EXIF tag of the GPS block's place.
const GPS_IFD: u16 = 0x8825;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading the first bytes, to tell the format.
    Start,
    /// Between JPEG segments, before the image data.
    Jpeg,
    /// Between PNG chunks.
    Png,
    /// Between WebP (RIFF) chunks.
    Webp,
    /// `n` more bytes pass unchanged, then back to `then`.
    Skip(u64, Format),
    /// Everything else passes unchanged.
    Pass,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Png,
    Webp,
}

/// Cleans a file passed through it a piece at a time.
pub struct Cleaner {
    state: State,
    pending: BytesMut,
    head: Vec<u8>,
}

impl Default for Cleaner {
    fn default() -> Self {
        Self {
            state: State::Start,
            pending: BytesMut::new(),
            head: Vec::new(),
        }
    }
}

impl Cleaner {
    /// The first bytes of what came out (for `sniff::content_type`).
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// Takes the next piece of the file; answers what may be written now.
    pub fn push(&mut self, piece: Bytes) -> Vec<Bytes> {
        let mut out = Vec::new();
        if self.state == State::Pass && self.pending.is_empty() {
            out.push(piece);
        } else {
            self.pending.extend_from_slice(&piece);
            self.advance(&mut out);
        }
        self.note_head(&out);
        out
    }

    /// The end of the file: whatever is held goes out as it is.
    pub fn finish(&mut self) -> Vec<Bytes> {
        let mut out = Vec::new();
        if !self.pending.is_empty() {
            out.push(self.pending.split().freeze());
        }
        self.state = State::Pass;
        self.note_head(&out);
        out
    }

    fn note_head(&mut self, out: &[Bytes]) {
        for piece in out {
            let room = super::sniff::HEAD.saturating_sub(self.head.len());
            if room == 0 {
                return;
            }
            self.head.extend_from_slice(&piece[..room.min(piece.len())]);
        }
    }

    fn emit(&mut self, out: &mut Vec<Bytes>, n: usize) {
        out.push(self.pending.split_to(n).freeze());
    }

    /// Moves what `pending` holds along as far as it can be decided.
    fn advance(&mut self, out: &mut Vec<Bytes>) {
        loop {
            let available = self.pending.len();
            match self.state {
                State::Pass => {
                    if available > 0 {
                        self.emit(out, available);
                    }
                    return;
                }
                State::Start => {
                    if available < 12 {
                        return;
                    }
                    let p = &self.pending[..];
                    self.state = if p.starts_with(b"\xff\xd8") {
                        self.emit(out, 2);
                        State::Jpeg
                    } else if p.starts_with(b"\x89PNG\r\n\x1a\n") {
                        self.emit(out, 8);
                        State::Png
                    } else if p.starts_with(b"RIFF") && &p[8..12] == b"WEBP" {
                        self.emit(out, 12);
                        State::Webp
                    } else {
                        State::Pass
                    };
                }
                State::Skip(n, then) => {
                    if available == 0 {
                        return;
                    }
                    let take = (n.min(available as u64)) as usize;
                    self.emit(out, take);
                    let left = n - take as u64;
                    self.state = if left == 0 {
                        match then {
                            Format::Png => State::Png,
                            Format::Webp => State::Webp,
                        }
                    } else {
                        State::Skip(left, then)
                    };
                }
                State::Jpeg => {
                    if available < 4 {
                        return;
                    }
                    let (first, marker) = (self.pending[0], self.pending[1]);
                    // Image data, or anything unexpected: the rest passes as it is.
                    if first != 0xff || matches!(marker, 0xd8..=0xda | 0x01 | 0x00 | 0xff) {
                        self.state = State::Pass;
                        continue;
                    }
                    let length = u16::from_be_bytes([self.pending[2], self.pending[3]]) as usize;
                    if available < 2 + length {
                        return;
                    }
                    let segment = &mut self.pending[4..2 + length];
                    if marker == 0xe1 && segment.starts_with(b"Exif\0\0") {
                        clean_tiff(&mut segment[6..]);
                    } else if marker == 0xe1 && segment.starts_with(b"http://ns.adobe.com/") {
                        // XMP: dropped whole (a JPEG has no length of its own to keep).
                        let _ = self.pending.split_to(2 + length);
                        continue;
                    }
                    self.emit(out, 2 + length);
                }
                State::Png => {
                    if available < 8 {
                        return;
                    }
                    let length = u32::from_be_bytes(self.pending[..4].try_into().unwrap()) as usize;
                    let kind: [u8; 4] = self.pending[4..8].try_into().unwrap();
                    let whole = 12 + length;
                    let metadata = &kind == b"eXIf" || matches!(&kind, b"iTXt" | b"tEXt" | b"zTXt");
                    if !metadata || length > MAX_BLOCK {
                        self.state = if &kind == b"IEND" {
                            State::Pass
                        } else {
                            State::Skip(whole as u64, Format::Png)
                        };
                        continue;
                    }
                    if available < whole {
                        return;
                    }
                    let data = &mut self.pending[8..8 + length];
                    if &kind == b"eXIf" {
                        clean_tiff(data);
                        let crc = crc32(&self.pending[4..8 + length]);
                        self.pending[8 + length..whole].copy_from_slice(&crc.to_be_bytes());
                    } else if data.starts_with(b"XML:com.adobe.xmp\0") {
                        let _ = self.pending.split_to(whole);
                        continue;
                    }
                    self.emit(out, whole);
                }
                State::Webp => {
                    if available < 8 {
                        return;
                    }
                    let kind: [u8; 4] = self.pending[..4].try_into().unwrap();
                    let length =
                        u32::from_le_bytes(self.pending[4..8].try_into().unwrap()) as usize;
                    let whole = 8 + length + (length & 1);
                    let metadata = matches!(&kind, b"EXIF" | b"XMP ");
                    if !metadata || length > MAX_BLOCK {
                        self.state = State::Skip(whole as u64, Format::Webp);
                        continue;
                    }
                    if available < whole {
                        return;
                    }
                    let data = &mut self.pending[8..8 + length];
                    if &kind == b"EXIF" {
                        // Some writers keep JPEG's `Exif\0\0` before the TIFF data.
                        let at = if data.starts_with(b"Exif\0\0") { 6 } else { 0 };
                        clean_tiff(&mut data[at..]);
                    } else {
                        // XMP: blanked in place, since RIFF's sizes must stay right.
                        data.fill(b' ');
                    }
                    self.emit(out, whole);
                }
            }
        }
    }
}

/// PNG's chunk checksum.
fn crc32(bytes: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(bytes);
    hasher.finalize()
}

/// Blanks the GPS block of EXIF (TIFF) data in place: its entries, and the values they
/// point to, become zeros, and it says it has none.
pub fn clean_tiff(tiff: &mut [u8]) {
    let little = match tiff.get(..2) {
        Some(b"II") => true,
        Some(b"MM") => false,
        _ => return,
    };
    let u16_at = |t: &[u8], at: usize| -> Option<usize> {
        let b: [u8; 2] = t.get(at..at + 2)?.try_into().ok()?;
        Some(if little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        } as usize)
    };
    let u32_at = |t: &[u8], at: usize| -> Option<usize> {
        let b: [u8; 4] = t.get(at..at + 4)?.try_into().ok()?;
        Some(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        } as usize)
    };
    let Some(ifd0) = u32_at(tiff, 4) else { return };
    let Some(entries) = u16_at(tiff, ifd0) else {
        return;
    };
    let gps = (0..entries).find_map(|i| {
        let entry = ifd0 + 2 + 12 * i;
        (u16_at(tiff, entry)? == GPS_IFD as usize).then(|| u32_at(tiff, entry + 8))?
    });
    let Some(gps) = gps else { return };
    let Some(count) = u16_at(tiff, gps) else {
        return;
    };
    for i in 0..count {
        let entry = gps + 2 + 12 * i;
        let (Some(kind), Some(n)) = (u16_at(tiff, entry + 2), u32_at(tiff, entry + 4)) else {
            break;
        };
        let size = type_size(kind).saturating_mul(n);
        if size > 4
            && let Some(at) = u32_at(tiff, entry + 8)
            && let Some(value) = tiff.get_mut(at..at.saturating_add(size))
        {
            value.fill(0);
        }
    }
    let end = (gps + 2 + 12 * count).min(tiff.len());
    tiff[gps..end].fill(0);
}

/// The bytes of one value of a TIFF field type.
fn type_size(kind: usize) -> usize {
    match kind {
        1 | 2 | 6 | 7 => 1,
        3 | 8 => 2,
        4 | 9 | 11 => 4,
        5 | 10 | 12 => 8,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Big-endian EXIF data: IFD0 with an orientation and the GPS pointer; a GPS block
    /// with a latitude reference ("N", inline) and a latitude (three rationals, out of
    /// line).
    pub(crate) fn exif_with_gps() -> Vec<u8> {
        let mut t = b"MM\0\x2a\0\0\0\x08".to_vec();
        // IFD0 at 8: 2 entries.
        t.extend_from_slice(&[0, 2]);
        t.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]); // orientation 6
        t.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38]); // GPS at 38
        t.extend_from_slice(&[0, 0, 0, 0]); // no IFD1
        assert_eq!(t.len(), 38);
        t.extend_from_slice(&[0, 2]);
        t.extend_from_slice(&[0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
        t.extend_from_slice(&[0, 2, 0, 5, 0, 0, 0, 3, 0, 0, 0, 68]);
        t.extend_from_slice(&[0, 0, 0, 0]);
        assert_eq!(t.len(), 68);
        for (n, d) in [(52u32, 1u32), (31, 1), (1234, 100)] {
            t.extend_from_slice(&n.to_be_bytes());
            t.extend_from_slice(&d.to_be_bytes());
        }
        t
    }

    fn jpeg_with(exif: &[u8]) -> Vec<u8> {
        let mut jpeg = b"\xff\xd8".to_vec();
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(exif);
        jpeg.extend_from_slice(&[0xff, 0xe1]);
        jpeg.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
        jpeg.extend_from_slice(&app1);
        let xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>GPSLatitude</x:xmpmeta>";
        jpeg.extend_from_slice(&[0xff, 0xe1]);
        jpeg.extend_from_slice(&((xmp.len() + 2) as u16).to_be_bytes());
        jpeg.extend_from_slice(xmp);
        jpeg.extend_from_slice(b"\xff\xda\0\x08scan data \xff\xd9");
        jpeg
    }

    /// The file through a cleaner, in pieces of `size` bytes.
    fn through(file: &[u8], size: usize) -> Vec<u8> {
        let mut cleaner = Cleaner::default();
        let mut out = Vec::new();
        for piece in file.chunks(size) {
            for b in cleaner.push(Bytes::copy_from_slice(piece)) {
                out.extend_from_slice(&b);
            }
        }
        for b in cleaner.finish() {
            out.extend_from_slice(&b);
        }
        out
    }

    fn gps_fields(exif: &[u8]) -> Vec<exif::Tag> {
        let fields = exif::Reader::new()
            .read_raw(exif.to_vec())
            .expect("still valid EXIF");
        let tags: Vec<_> = fields.fields().map(|f| f.tag).collect();
        assert!(tags.contains(&exif::Tag::Orientation), "{tags:?}");
        tags.into_iter()
            .filter(|t| t.context() == exif::Context::Gps)
            .collect()
    }

    #[test]
    fn the_test_photo_has_a_location_to_remove() {
        assert_eq!(gps_fields(&exif_with_gps()).len(), 2);
    }

    #[test]
    fn a_jpegs_location_goes_and_its_orientation_and_image_stay() {
        let jpeg = jpeg_with(&exif_with_gps());
        for size in [1, 3, 7, 64, 4096] {
            let cleaned = through(&jpeg, size);
            let exif_at = 2 + 4 + 6;
            let exif_len = exif_with_gps().len();
            assert!(gps_fields(&cleaned[exif_at..exif_at + exif_len]).is_empty());
            assert!(
                !cleaned.windows(11).any(|w| w == b"GPSLatitude"),
                "XMP kept"
            );
            assert!(!cleaned.windows(4).any(|w| w == 1234u32.to_be_bytes()));
            assert!(cleaned.ends_with(b"\xff\xda\0\x08scan data \xff\xd9"));
        }
    }

    #[test]
    fn a_webps_location_goes_and_its_sizes_stay() {
        let exif = exif_with_gps();
        let mut webp = b"RIFF\0\0\0\0WEBP".to_vec();
        webp.extend_from_slice(b"VP8 \x05\0\0\0image\0");
        webp.extend_from_slice(b"EXIF");
        webp.extend_from_slice(&(exif.len() as u32).to_le_bytes());
        webp.extend_from_slice(&exif);
        let size = (webp.len() - 8) as u32;
        webp[4..8].copy_from_slice(&size.to_le_bytes());
        let cleaned = through(&webp, 5);
        assert_eq!(cleaned.len(), webp.len());
        assert!(gps_fields(&cleaned[cleaned.len() - exif.len()..]).is_empty());
        assert_eq!(&cleaned[..26], &webp[..26]);
    }

    #[test]
    fn a_pngs_location_goes_with_a_right_checksum() {
        let exif = exif_with_gps();
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let chunk = |kind: &[u8], data: &[u8], png: &mut Vec<u8>| {
            png.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let mut body = kind.to_vec();
            body.extend_from_slice(data);
            png.extend_from_slice(&body);
            png.extend_from_slice(&crc32(&body).to_be_bytes());
        };
        chunk(b"IHDR", &[0; 13], &mut png);
        chunk(b"eXIf", &exif, &mut png);
        chunk(b"IDAT", b"pixels", &mut png);
        chunk(b"IEND", b"", &mut png);
        let cleaned = through(&png, 10);
        assert_eq!(cleaned.len(), png.len());
        let at = 8 + 25 + 8;
        assert!(gps_fields(&cleaned[at..at + exif.len()]).is_empty());
        let crc = u32::from_be_bytes(
            cleaned[at + exif.len()..at + exif.len() + 4]
                .try_into()
                .unwrap(),
        );
        assert_eq!(crc, crc32(&cleaned[at - 4..at + exif.len()]));
    }

    #[test]
    fn other_files_pass_unchanged() {
        let pdf = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n".repeat(50);
        assert_eq!(through(&pdf, 9), pdf);
        assert_eq!(through(b"tiny", 2), b"tiny");
        let truncated = &jpeg_with(&exif_with_gps())[..20];
        assert_eq!(through(truncated, 4).len(), 20);
    }
}
