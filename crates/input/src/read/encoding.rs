//! The encoding of a text file: a BOM decides; without one UTF-8, GB18030 (also line by
//! line, for files pasted together from two systems), UTF-16 without a BOM, or UTF-8 with
//! damaged bytes.

/// The text of a delimited file as UTF-8, and the encoding it was in. A BOM decides;
/// without one, valid UTF-8 is UTF-8 and anything else is read as GB18030 (a superset of
/// GBK and GB2312, what Chinese Windows saves by default).
pub fn decode(bytes: Vec<u8>) -> (Vec<u8>, &'static str) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (rest.to_vec(), "UTF-8 with BOM");
    }
    for (bom, encoding, name) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE, "UTF-16LE"),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE, "UTF-16BE"),
    ] {
        if bytes.starts_with(bom) {
            let (text, _) = encoding.decode_without_bom_handling(&bytes[2..]);
            return (text.into_owned().into_bytes(), name);
        }
    }
    // UTF-16 without a BOM (some exports write it) is valid UTF-8 byte for byte when its
    // text is ASCII: told apart by its NUL bytes, all on one side of each pair.
    if let Some((encoding, name)) = utf16_without_bom(&bytes[..bytes.len().min(64 * 1024)]) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes);
        return (text.into_owned().into_bytes(), name);
    }
    if std::str::from_utf8(&bytes).is_ok() {
        return (bytes, "UTF-8");
    }
    // UTF-8 with a few damaged bytes (a bad sector, a truncated copy) is still UTF-8: read
    // as GB18030 every Chinese character in the file would change. Such a file is read as
    // UTF-8, the damaged bytes replaced, and the lines holding them rejected.
    // Decided on the first MiB: GB18030 text is invalid UTF-8 within a few characters, and
    // counting a whole file's millions of invalid sequences costs more than decoding it.
    let sample = &bytes[..bytes.len().min(1 << 20)];
    let (valid_multibyte, damaged) = utf8_census(sample);
    if valid_multibyte >= 20 * damaged.max(1) {
        return (
            String::from_utf8_lossy(&bytes).into_owned().into_bytes(),
            DAMAGED_UTF8,
        );
    }
    gb18030_lines(&bytes)
}

/// A GB18030 file, line by line: a line that is valid UTF-8 holding non-ASCII text was
/// pasted in from a UTF-8 file (read as GB18030 it becomes 鏉庣幉 for 李玲, a false
/// payee mismatch) and is read as UTF-8; the file's format then says so
/// ([`MIXED_GB18030`]). A genuine GB18030 line of Chinese text is almost never valid
/// UTF-8 (a very short one can be, and would be read as UTF-8). Bytes
/// neither encoding can read become U+FFFD, and the loader rejects their rows.
fn gb18030_lines(bytes: &[u8]) -> (Vec<u8>, &'static str) {
    use rayon::prelude::*;
    let is_utf8_line = |line: &[u8]| !line.is_ascii() && simdutf8::basic::from_utf8(line).is_ok();
    // Decoded in pieces side by side, cut after a line feed: 0x0A is never part of a
    // GB18030 character, so a piece decodes as it would within the whole.
    let pieces = line_pieces(bytes, 1 << 20);
    let decoded: Vec<(Vec<u8>, bool)> = pieces
        .into_par_iter()
        .map(|range| {
            let piece = &bytes[range];
            let mixed = piece.split(|&b| b == b'\n').any(is_utf8_line);
            let text = if mixed {
                let mut text = Vec::with_capacity(piece.len() * 3 / 2);
                for line in piece.split_inclusive(|&b| b == b'\n') {
                    if is_utf8_line(line) {
                        text.extend_from_slice(line);
                    } else {
                        let (decoded, _) = encoding_rs::GB18030.decode_without_bom_handling(line);
                        text.extend_from_slice(decoded.as_bytes());
                    }
                }
                text
            } else {
                let (text, _) = encoding_rs::GB18030.decode_without_bom_handling(piece);
                text.into_owned().into_bytes()
            };
            (text, mixed)
        })
        .collect();
    let mixed = decoded.iter().any(|(_, m)| *m);
    let mut text = Vec::with_capacity(decoded.iter().map(|(t, _)| t.len()).sum());
    for (piece, _) in decoded {
        text.extend_from_slice(&piece);
    }
    (text, if mixed { MIXED_GB18030 } else { "GB18030" })
}

/// `bytes` cut into pieces of about `size` bytes, each ending after a line feed (the last
/// where the bytes end): pieces of whole lines, to read side by side.
pub(crate) fn line_pieces(bytes: &[u8], size: usize) -> Vec<std::ops::Range<usize>> {
    let mut pieces = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let end = if bytes.len() - start <= size {
            bytes.len()
        } else {
            memchr::memchr(b'\n', &bytes[start + size..])
                .map_or(bytes.len(), |p| start + size + p + 1)
        };
        pieces.push(start..end);
        start = end;
    }
    pieces
}

pub const MIXED_GB18030: &str = "GB18030 with lines in UTF-8";

/// Whether a file's first bytes are UTF-16, with a byte-order mark or without one (its
/// NUL bytes would pass for UTF-8, or for binary data).
pub(crate) fn is_utf16(head: &[u8]) -> bool {
    head.starts_with(b"\xFF\xFE")
        || head.starts_with(b"\xFE\xFF")
        || utf16_without_bom(head).is_some()
}

/// UTF-16 without a byte-order mark: in a sample of even length, NUL bytes on one side of
/// the byte pairs (ASCII text and digits have a zero high byte) and none on the other.
fn utf16_without_bom(sample: &[u8]) -> Option<(&'static encoding_rs::Encoding, &'static str)> {
    let pairs = sample.len() / 2;
    if pairs < 4 {
        return None;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for pair in sample.chunks_exact(2) {
        even += usize::from(pair[0] == 0);
        odd += usize::from(pair[1] == 0);
    }
    // A few characters have a zero low byte too (U+4E00 一 is 00 4E in UTF-16LE).
    if odd * 4 >= pairs && even * 10 <= odd {
        Some((encoding_rs::UTF_16LE, "UTF-16LE without BOM"))
    } else if even * 4 >= pairs && odd * 10 <= even {
        Some((encoding_rs::UTF_16BE, "UTF-16BE without BOM"))
    } else {
        None
    }
}

/// The encoding name of a UTF-8 file with damaged bytes (see [`decode`]).
pub const DAMAGED_UTF8: &str = "UTF-8 with damaged bytes";

/// Valid multi-byte UTF-8 characters and invalid sequences in `bytes`.
fn utf8_census(bytes: &[u8]) -> (usize, usize) {
    let (mut valid, mut invalid) = (0, 0);
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                valid += s.chars().filter(|c| c.len_utf8() > 1).count();
                return (valid, invalid);
            }
            Err(e) => {
                let good = e.valid_up_to();
                valid += std::str::from_utf8(&rest[..good])
                    .map_or(0, |s| s.chars().filter(|c| c.len_utf8() > 1).count());
                invalid += 1;
                let skip = e.error_len().unwrap_or(rest.len() - good);
                rest = &rest[good + skip.max(1).min(rest.len() - good)..];
                if rest.is_empty() {
                    return (valid, invalid);
                }
            }
        }
    }
}
