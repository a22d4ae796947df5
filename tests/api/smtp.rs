//! A real SMTP server for tests: it listens on a TCP port, speaks enough SMTP for lettre, keeps
//! what it receives, and can be told to refuse mail for a while (451) or for good (550).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// 451 to MAIL FROM: try again later.
    RefuseForNow,
    /// 550 to RCPT TO: this will never work.
    RefuseForGood,
}

/// One message as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub data: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.data
            .lines()
            .take_while(|l| !l.is_empty())
            .find(|l| l.to_ascii_lowercase().starts_with(&prefix))
            .map(|l| l[prefix.len()..].trim().to_string())
    }

    /// The decoded subject (lettre encodes non-ASCII subjects as RFC 2047 words).
    pub fn subject(&self) -> String {
        let raw = self
            .data
            .lines()
            .skip_while(|l| !l.to_ascii_lowercase().starts_with("subject:"))
            .enumerate()
            .take_while(|(i, l)| *i == 0 || l.starts_with(' ') || l.starts_with('\t'))
            .map(|(_, l)| l.trim())
            .collect::<Vec<_>>()
            .join(" ");
        decode_words(raw.trim_start_matches("Subject:").trim())
    }
}

/// Decode `=?utf-8?b?...?=` words (all lettre writes), leaving other text alone.
fn decode_words(s: &str) -> String {
    use base64_lite::decode;
    let mut out = String::new();
    for word in s.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        if lower.starts_with("=?utf-8?b?") && word.ends_with("?=") {
            let body = &word[10..word.len() - 2];
            out.push_str(&String::from_utf8_lossy(&decode(body)));
        } else {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

/// Just enough base64 to read subjects, without another dependency.
mod base64_lite {
    pub fn decode(s: &str) -> Vec<u8> {
        let val = |c: u8| -> Option<u32> {
            Some(match c {
                b'A'..=b'Z' => (c - b'A') as u32,
                b'a'..=b'z' => (c - b'a' + 26) as u32,
                b'0'..=b'9' => (c - b'0' + 52) as u32,
                b'+' => 62,
                b'/' => 63,
                _ => return None,
            })
        };
        let mut out = Vec::new();
        let mut buf = 0u32;
        let mut bits = 0;
        for c in s.bytes().filter_map(val) {
            buf = (buf << 6) | c;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((buf >> bits) as u8);
                buf &= (1 << bits) - 1;
            }
        }
        out
    }
}

/// Something to do when a message has arrived, before the server answers 250.
type Hook = Arc<dyn Fn() + Send + Sync>;

#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    mode: Arc<Mutex<Mode>>,
    before_accepting: Arc<Mutex<Option<Hook>>>,
}

impl SmtpSink {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind smtp sink");
        let port = listener.local_addr().expect("addr").port();
        let sink = SmtpSink {
            port,
            received: Arc::default(),
            mode: Arc::new(Mutex::new(Mode::Accept)),
            before_accepting: Arc::default(),
        };
        let s = sink.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let s = s.clone();
                std::thread::spawn(move || {
                    let _ = s.serve(stream);
                });
            }
        });
        sink
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    /// Run `hook` once, when the next message has arrived and before it is answered 250.
    pub fn before_accepting_next(&self, hook: impl Fn() + Send + Sync + 'static) {
        *self.before_accepting.lock().unwrap() = Some(Arc::new(hook));
    }

    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    fn serve(&self, stream: TcpStream) -> std::io::Result<()> {
        let mut out = stream.try_clone()?;
        let mut reader = BufReader::new(stream);
        out.write_all(b"220 sink.test ESMTP\r\n")?;
        let mut to: Vec<String> = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let cmd = line.trim_end().to_string();
            let upper = cmd.to_ascii_uppercase();
            let mode = *self.mode.lock().unwrap();
            if upper.starts_with("EHLO") {
                out.write_all(b"250-sink.test\r\n250 8BITMIME\r\n")?;
            } else if upper.starts_with("HELO") {
                out.write_all(b"250 sink.test\r\n")?;
            } else if upper.starts_with("MAIL FROM") {
                to.clear();
                if mode == Mode::RefuseForNow {
                    out.write_all(b"451 4.3.0 Try again later\r\n")?;
                } else {
                    out.write_all(b"250 OK\r\n")?;
                }
            } else if upper.starts_with("RCPT TO") {
                if mode == Mode::RefuseForGood {
                    out.write_all(b"550 5.1.1 No such mailbox\r\n")?;
                } else {
                    let addr = cmd[8..].trim().trim_start_matches(':').trim();
                    to.push(addr.trim_matches(|c| c == '<' || c == '>').to_string());
                    out.write_all(b"250 OK\r\n")?;
                }
            } else if upper == "DATA" {
                out.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line)? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    let l = line.strip_prefix('.').unwrap_or(&line);
                    data.push_str(&l.replace("\r\n", "\n"));
                }
                self.received.lock().unwrap().push(Received {
                    to: std::mem::take(&mut to),
                    data,
                });
                let hook = self.before_accepting.lock().unwrap().take();
                if let Some(hook) = hook {
                    hook();
                }
                out.write_all(b"250 OK queued\r\n")?;
            } else if upper == "RSET" || upper == "NOOP" {
                out.write_all(b"250 OK\r\n")?;
            } else if upper == "QUIT" {
                out.write_all(b"221 Bye\r\n")?;
                return Ok(());
            } else {
                out.write_all(b"502 Command not implemented\r\n")?;
            }
        }
    }
}

/// The decoded text of the `invite.ics` attachment of a raw message (base64, quoted-printable
/// or plain, as lettre chose).
pub fn attachment_text(data: &str) -> String {
    let lines: Vec<&str> = data.lines().collect();
    let Some(start) = lines.iter().position(|l| l.contains("invite.ics")) else {
        return String::new();
    };
    // The part's headers run from the boundary before it to the first empty line.
    let head_start = lines[..start]
        .iter()
        .rposition(|l| l.starts_with("--"))
        .unwrap_or(0);
    let body_start = start
        + lines[start..]
            .iter()
            .position(|l| l.is_empty())
            .unwrap_or(0)
        + 1;
    let headers = lines[head_start..body_start]
        .join("\n")
        .to_ascii_lowercase();
    let body: Vec<&str> = lines[body_start..]
        .iter()
        .take_while(|l| !l.starts_with("--"))
        .copied()
        .collect();
    if headers.contains("base64") {
        String::from_utf8_lossy(&base64_lite::decode(&body.concat())).into_owned()
    } else if headers.contains("quoted-printable") {
        let joined = body
            .iter()
            .map(|l| match l.strip_suffix('=') {
                Some(soft) => soft.to_string(),
                None => format!("{l}\n"),
            })
            .collect::<String>();
        let bytes = joined.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'=' && i + 2 < bytes.len() {
                if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                    out.push(b);
                    i += 3;
                    continue;
                }
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    } else {
        body.join("\n")
    }
}
