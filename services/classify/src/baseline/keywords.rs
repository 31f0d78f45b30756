//! The keyword lexicons: English, Hindi (Devanagari) and romanized Hindi.
//!
//! Weights: 1.5 a decisive phrase, 1.2–1.3 a clear word, 0.8–1.0 a usual
//! sign, 0.3–0.6 a weak hint. A trailing `*` makes the last word a stem
//! (`harass*`); never list a stem and one of its own expansions, or the same
//! word counts twice. Devanagari is written naturally: nukta and chandrabindu
//! are folded on both sides before matching. Overlaps resolve leftmost-longest,
//! so a longer phrase overrides the words inside it (`bachcha chor` is a rumour,
//! not a theft; `attack on police` is sensitive, not an emergency).

pub(crate) type Words = &'static [(&'static str, f32)];

/// Danger to life now: these also make the urgency `critical`.
#[rustfmt::skip]
pub(crate) const LIFE_THREAT: Words = &[
    ("firing", 1.5), ("gunshot*", 1.5), ("shot", 1.2), ("shot dead", 1.5), ("shooting", 1.2),
    ("murder*", 1.5), ("killed", 1.3), ("killing", 1.2), ("stabbed", 1.5), ("stabbing", 1.5),
    ("knife attack", 1.5), ("suicide", 1.5), ("kill myself", 1.5), ("end my life", 1.5),
    ("kidnap*", 1.5), ("abduct*", 1.5), ("injured", 1.3), ("seriously injured", 1.5),
    ("injury", 1.0), ("injuries", 1.0), ("bleeding", 1.2), ("dying", 1.2), ("drowning", 1.5),
    ("life in danger", 1.5), ("death", 0.8),
    ("threatening to jump", 1.5), ("jump from", 1.0), ("kudne ki dhamki", 1.5), ("कूदने की धमकी", 1.5),
    // romanized Hindi
    ("goli", 1.3), ("goliyan", 1.3), ("goli chal*", 1.5), ("goli maar*", 1.5), ("fire kar*", 1.5),
    ("ghayal", 1.3), ("gambhir ghayal", 1.5), ("hatya", 1.5), ("katl", 1.5), ("qatl", 1.5),
    ("khoon kar*", 1.5), ("chaku", 1.2), ("chaku maar*", 1.5), ("talwar", 1.0),
    ("aatmahatya", 1.5), ("atmahatya", 1.5), ("khudkushi", 1.5), ("fansi", 1.2), ("faansi", 1.2),
    ("apaharan", 1.5), ("utha le gaye", 1.3), ("utha ke le gaye", 1.3), ("jaan ka khatra", 1.5),
    ("jaan ko khatra", 1.5), ("jaan se maar*", 1.2), ("maar dala", 1.5), ("maar dalenge", 1.3),
    ("doob raha", 1.5), ("doob rahi", 1.5), ("maut", 0.8),
    // Devanagari
    ("गोली", 1.3), ("गोलियां", 1.3), ("फायरिंग", 1.5), ("गोलीबारी", 1.5), ("हत्या", 1.5),
    ("कत्ल", 1.5), ("घायल", 1.3), ("गंभीर घायल", 1.5), ("लहूलुहान", 1.5), ("चाकू", 1.2),
    ("चाकूबाजी", 1.5), ("तलवार", 1.0), ("आत्महत्या", 1.5), ("खुदकुशी", 1.5), ("फांसी", 1.2),
    ("अपहरण", 1.5), ("अगवा", 1.5), ("उठा ले गए", 1.3), ("जान का खतरा", 1.5), ("जान को खतरा", 1.5),
    ("डूब*", 1.2), ("मार डाला", 1.5), ("मौत", 0.8),
];

#[rustfmt::skip]
pub(crate) const EMERGENCY: Words = &[
    ("accident", 1.2), ("accidents", 1.2), ("road accident", 1.5), ("hit and run", 1.5),
    ("collision", 0.8), ("overturned", 0.8), ("fire", 1.0), ("on fire", 1.3), ("caught fire", 1.3),
    ("help urgently", 1.5), ("urgent help", 1.5), ("need help urgently", 1.5), ("emergency", 1.0),
    ("ambulance", 1.0), ("sos", 1.2), ("help help", 1.5), ("save us", 1.5), ("save me", 1.5),
    ("attack*", 1.0), ("assault*", 0.8), ("beating", 0.8), ("trapped", 1.0), ("unconscious", 1.0),
    ("dead body", 1.0), ("fight going on", 1.2),
    ("bachao", 1.5), ("bachaao", 1.5), ("bachalo", 1.5), ("bacha lo", 1.5), ("jaldi aao", 1.3),
    ("jaldi aaiye", 1.3), ("jaldi aayiye", 1.3), ("jaldi aaye", 1.3), ("jaldi bhejo", 1.2),
    ("jaldi pahucho", 1.2), ("madad karo", 0.8), ("turant madad", 1.2), ("hadsa", 1.2),
    ("haadsa", 1.2), ("aag", 0.8), ("aag lag*", 1.3), ("maar peet", 1.0), ("marpeet", 1.0),
    ("maarpeet", 1.0), ("jhagda ho raha", 1.0), ("hamla", 1.0), ("lathi", 0.5),
    ("दुर्घटना*", 1.2), ("हादसा", 1.2), ("हादसे", 1.2), ("बचाओ", 1.5), ("बचा लो", 1.5),
    ("मदद करो", 0.8), ("जल्दी आओ", 1.3), ("जल्दी आइए", 1.3), ("जल्दी आइये", 1.3), ("आग", 1.0),
    ("आग लग*", 1.3), ("मारपीट", 1.0), ("हमला", 1.0), ("हमले", 1.0), ("झगड़ा हो रहा", 1.0),
    ("एम्बुलेंस", 1.0), ("एंबुलेंस", 1.0), ("आपातकाल", 1.0), ("फंसे हुए", 1.0),
];

#[rustfmt::skip]
pub(crate) const SENSITIVE: Words = &[
    ("communal", 1.5), ("riot*", 1.5), ("caste slur", 1.5), ("casteist", 1.5), ("caste abuse", 1.3),
    ("casteism", 1.2), ("hate speech", 1.5), ("hate", 0.6), ("hatred", 0.8), ("incit*", 1.5),
    ("inflammatory", 1.5), ("provocative", 1.2), ("threat to officer", 1.5),
    ("threatening police", 1.5), ("threatened police", 1.5), ("threatening the police", 1.5),
    ("attack on police", 1.5), ("stone pelting", 1.5), ("lynch*", 1.5), ("mob lynching", 1.5),
    ("religious tension", 1.5), ("tension", 0.5), ("objectionable video", 1.3),
    ("objectionable post", 1.3), ("obscene video", 1.2), ("child porn*", 1.5),
    ("minor girl video", 1.3), ("love jihad", 1.2), ("burn them", 1.3), ("kill them all", 1.5),
    ("religious sentiment*", 1.3), ("video of a minor", 1.5), ("नाबालिग का वीडियो", 1.5),
    ("danga", 1.5), ("dange", 1.5), ("dangai", 1.5), ("sampradayik", 1.5), ("bhadkau", 1.5),
    ("bhadkaau", 1.5), ("bhadka rahe", 1.3), ("jaativadi", 1.5), ("jatiwadi", 1.5),
    ("jaatisuchak", 1.5), ("jativad", 1.2), ("police ko dhamki", 1.5), ("thanedar ko dhamki", 1.5),
    ("sho ko dhamki", 1.5), ("officer ko dhamki", 1.5), ("police par hamla", 1.5),
    ("pathrav", 1.5), ("patthar baazi", 1.5), ("pattharbazi", 1.5), ("tanav", 0.8),
    ("mahaul kharab", 1.2), ("aag laga do", 1.5), ("sabak sikha*", 1.0), ("kaat dalenge", 1.5),
    ("dharmik bhavna*", 1.3),
    ("दंगा", 1.5), ("दंगे", 1.5), ("दंगों", 1.5), ("दंगाई", 1.5), ("सांप्रदायिक", 1.5),
    ("साम्प्रदायिक", 1.5), ("भड़का*", 1.5), ("जातिवादी", 1.5), ("जातिसूचक", 1.5),
    ("जातिगत", 1.0), ("पुलिस को धमकी", 1.5), ("पुलिसकर्मी को धमकी", 1.5),
    ("थानेदार को धमकी", 1.5), ("पुलिस पर हमला", 1.5), ("पथराव", 1.5), ("तनाव", 0.8),
    ("माहौल खराब", 1.2), ("आपत्तिजनक", 1.2), ("अश्लील", 1.0), ("नफरत", 1.0),
    ("धार्मिक भावना*", 1.3), ("भावनाएं आहत", 1.3),
];

#[rustfmt::skip]
pub(crate) const MISINFORMATION: Words = &[
    ("fake", 1.0), ("fake news", 1.5), ("fake message", 1.5), ("fake video", 1.5),
    ("fake post", 1.3), ("fake notice", 1.3), ("fake letter", 1.3), ("fake recruitment", 1.5),
    ("fake job*", 1.2), ("rumour*", 1.5), ("rumor*", 1.5), ("viral", 0.8), ("viral video", 1.2),
    ("viral message", 1.3), ("viral post", 1.2), ("going viral", 1.2), ("is this true", 1.5),
    ("is it true", 1.3), ("is this real", 1.3), ("is this fake", 1.5), ("true or fake", 1.5),
    ("real or fake", 1.5), ("fact check", 1.3), ("factcheck", 1.3), ("verify this", 1.0),
    ("please verify", 0.6), ("please clarify", 0.8), ("clarify", 0.5), ("forward*", 0.8),
    ("whatsapp message", 1.0), ("whatsapp forward*", 1.3), ("whatsapp", 0.4), ("misleading", 1.2),
    ("doctored", 1.3), ("morphed", 1.3), ("edited video", 1.2), ("old video", 1.0),
    ("deepfake", 1.5), ("child lifting", 1.5), ("child lifters", 1.5), ("child lifter", 1.5),
    ("child kidnapping gang", 1.5), ("kidnapping gang", 1.2), ("true", 0.4),
    ("misinformation", 1.5), ("disinformation", 1.5),
    ("afwah", 1.5), ("afwaah", 1.5), ("afvah", 1.5), ("sach hai kya", 1.5), ("kya ye sach hai", 1.5),
    ("kya yeh sach hai", 1.5), ("kya yah sach hai", 1.5), ("sach ya jhooth", 1.5),
    ("sahi hai kya", 1.0), ("jhoothi khabar", 1.5), ("jhuthi khabar", 1.5), ("farzi", 1.0),
    ("bachcha chor", 1.5), ("baccha chor", 1.5), ("bacha chor", 1.5), ("bachche chor", 1.5),
    ("purana video", 1.2), ("video viral", 1.2), ("message viral", 1.2), ("galat khabar", 1.3),
    ("अफवाह*", 1.5), ("फर्जी", 1.0), ("फेक", 1.0), ("फेक न्यूज", 1.5), ("फर्जी खबर", 1.5),
    ("फर्जी भर्ती", 1.5), ("वायरल", 0.8), ("वायरल वीडियो", 1.2), ("वीडियो वायरल", 1.2),
    ("वायरल मैसेज", 1.3), ("वायरल संदेश", 1.3), ("क्या यह सच है", 1.5), ("क्या ये सच है", 1.5),
    ("सच है क्या", 1.5), ("सच या झूठ", 1.5), ("भ्रामक", 1.3), ("झूठी खबर", 1.5),
    ("गलत खबर", 1.3), ("बच्चा चोर", 1.5), ("बच्चा चोरी", 1.5), ("बच्चे चोर", 1.5),
    ("पुराना वीडियो", 1.2), ("एडिटेड", 1.0), ("सत्यता", 1.0), ("फैक्ट चेक", 1.3), ("सच्चाई", 1.0),
];

#[rustfmt::skip]
pub(crate) const COMPLAINT: Words = &[
    ("theft", 1.2), ("thief", 1.0), ("thieves", 1.0), ("stolen", 1.2), ("stole", 1.0),
    ("steal*", 1.0), ("robbed", 1.2), ("robbery", 1.2), ("burglary", 1.2), ("snatch*", 1.2),
    ("chain snatching", 1.5), ("pickpocket*", 1.2), ("fraud*", 1.2), ("scam*", 1.0),
    ("cheat*", 1.0), ("cyber fraud", 1.5), ("online fraud", 1.5), ("upi", 0.6), ("upi fraud", 1.5),
    ("otp", 0.6), ("debited", 0.8), ("money deducted", 1.2), ("deducted", 0.8), ("fake call", 1.2),
    ("fake customer care", 1.3), ("fake profile", 1.0), ("fake id", 1.0), ("fake account", 1.0), ("fake police", 1.3),
    ("fake army", 1.3), ("loan app", 1.3), ("obscene call*", 1.3), ("heroin", 1.0), ("charas", 1.0),
    ("hack*", 0.8), ("blackmail*", 1.2), ("sextortion", 1.5), ("extortion", 1.2), ("harass*", 1.2),
    ("eve teas*", 1.5), ("stalk*", 1.0), ("molest*", 1.3), ("misbehav*", 1.0), ("abus*", 0.8),
    ("noise", 1.0), ("loud music", 1.2), ("loudspeaker", 0.8), ("dj", 0.6), ("illegal", 0.8),
    ("illegal liquor", 1.5), ("illegal mining", 1.5), ("illegal sand", 1.5), ("sand mafia", 1.3),
    ("mining", 0.8), ("liquor", 0.8), ("drugs", 1.0), ("smack", 1.0), ("ganja", 1.0),
    ("gambling", 1.0), ("satta", 1.0), ("missing", 1.0), ("missing since", 1.3), ("bribe*", 1.3),
    ("corrupt*", 1.0), ("fir not registered", 1.5), ("not registering fir", 1.5),
    ("refused to register", 1.3), ("no action", 1.0), ("not taking action", 1.2),
    ("no response", 0.6), ("complain*", 0.8), ("traffic jam", 1.2), ("traffic", 0.6), ("jam", 0.5),
    ("wrong side", 0.8), ("rash driving", 1.0), ("overspeeding", 0.8), ("parking", 0.6),
    ("encroach*", 1.0), ("land dispute", 1.2), ("land grab*", 1.2), ("dowry", 1.2),
    ("domestic violence", 1.5), ("threat*", 0.8), ("death threat*", 1.3),
    ("please take action", 1.0), ("take action", 0.8), ("kindly look into", 0.8),
    ("look into this", 0.6), ("please help", 0.4),
    ("chor", 1.0), ("chori", 1.2), ("chory", 1.2), ("chouri", 1.2), ("choron", 1.0), ("chura*", 1.0),
    ("thag*", 1.2), ("online thagi", 1.5), ("dhokha*", 1.2), ("dhoka", 1.0), ("froud", 1.0),
    ("farzi call", 1.2), ("paise kat gaye", 1.5), ("paise kat gye", 1.5), ("paisa kat gaya", 1.5),
    ("paise kaat liye", 1.5), ("khate se", 1.0), ("account se paise", 1.3), ("shikayat", 1.0),
    ("pareshan", 0.6), ("pareshan kar*", 1.0), ("chhed*", 1.2), ("chedkhani", 1.2),
    ("tang kar*", 0.8), ("avaidh", 0.8), ("awaidh", 0.8), ("avaidh sharab", 1.5),
    ("awaidh sharab", 1.5), ("sharab", 0.8), ("daru", 0.8), ("avaidh khanan", 1.5), ("khanan", 1.0),
    ("bajri", 1.0), ("bajri mafia", 1.3), ("gumshuda", 1.2), ("lapata", 1.2), ("laapata", 1.2),
    ("ghar se gayab", 1.2), ("gayab", 0.8), ("rishwat", 1.3), ("ghoos", 1.2), ("paise maang*", 1.0),
    ("fir nahi", 1.3), ("fir darj nahi", 1.5), ("report nahi likh*", 1.3), ("sunwai nahi", 1.2),
    ("koi karwai nahi", 1.3), ("karyawahi nahi", 1.3), ("karwai kare", 1.0), ("karwai karo", 1.0),
    ("karyavahi kare", 1.0), ("action lijiye", 1.0), ("action lo", 0.8), ("jaam", 0.8),
    ("jam laga", 1.0), ("shor", 0.8), ("dj baj*", 1.2), ("kabza", 1.2), ("kabja", 1.2),
    ("zameen", 0.6), ("dahej", 1.2), ("nasha", 0.8), ("nashe", 0.8), ("jua", 0.8), ("dhamki", 0.8),
    ("jaan se maarne ki dhamki", 1.5), ("doda post", 1.3), ("loot*", 1.2), ("manchale", 1.0), ("nakli police", 1.3), ("chitta", 1.0),
    ("चोरी", 1.2), ("चोर", 1.0), ("चोरों", 1.0), ("चुरा*", 1.0), ("ठग*", 1.2), ("धोखाधड़ी", 1.3),
    ("धोखा", 1.0), ("फ्रॉड", 1.2), ("साइबर ठगी", 1.5), ("साइबर अपराध", 1.3), ("पैसे कट गए", 1.5),
    ("खाते से", 1.0), ("शिकायत", 1.0), ("परेशान", 0.6), ("छेड़*", 1.3), ("अवैध", 0.8),
    ("अवैध शराब", 1.5), ("शराब", 0.8), ("अवैध खनन", 1.5), ("खनन", 1.0), ("बजरी", 1.0),
    ("गुमशुदा", 1.2), ("लापता", 1.2), ("गायब", 0.8), ("रिश्वत", 1.3), ("घूस", 1.2),
    ("एफआईआर दर्ज नहीं", 1.5), ("fir दर्ज नहीं", 1.5), ("मुकदमा दर्ज नहीं", 1.5),
    ("रिपोर्ट दर्ज नहीं", 1.5), ("कोई कार्रवाई नहीं", 1.3), ("कार्रवाई नहीं", 1.2),
    ("कार्यवाही नहीं", 1.2), ("कार्रवाई करें", 1.0), ("कार्यवाही करें", 1.0), ("जाम", 0.8),
    ("ट्रैफिक", 0.6), ("शोर", 0.8), ("डीजे", 0.6), ("कब्जा", 1.2), ("अतिक्रमण", 1.0),
    ("दहेज", 1.2), ("नशा", 0.8), ("नशे", 0.8), ("स्मैक", 1.0), ("सट्टा", 1.0), ("जुआ", 0.8),
    ("धमकी", 0.8), ("जान से मारने की धमकी", 1.5), ("छीन*", 1.2), ("चेन स्नैचिंग", 1.5),
    ("लूट*", 1.2), ("मनचले", 1.0), ("फर्जी आईडी", 1.3), ("फर्जी प्रोफाइल", 1.3),
    ("नकली पुलिस", 1.3), ("अश्लील कॉल", 1.3), ("हेरोइन", 1.0), ("चिट्टा", 1.0),
];

#[rustfmt::skip]
pub(crate) const QUERY: Words = &[
    ("how to", 1.0), ("how do i", 1.0), ("how can i", 1.0), ("how can we", 1.0), ("how long", 0.8),
    ("where", 0.5), ("where is", 0.7), ("where can i", 1.0), ("what is the procedure", 1.5),
    ("procedure", 1.0), ("process", 0.6), ("verification", 1.0), ("police verification", 1.3),
    ("tenant verification", 1.5), ("servant verification", 1.5), ("passport", 1.0),
    ("passport verification", 1.5), ("character certificate", 1.5), ("police clearance", 1.3),
    ("pcc", 1.0), ("noc", 0.8), ("status of", 0.8), ("fir status", 1.2), ("fir copy", 1.0),
    ("helpline number", 1.0), ("contact number", 1.0), ("phone number of", 1.0),
    ("which police station", 1.2), ("whom to contact", 1.2), ("who to contact", 1.2),
    ("office timing*", 1.0), ("documents required", 1.2), ("required documents", 1.2),
    ("apply for", 0.8), ("can i", 0.5), ("please tell", 0.8), ("please guide", 1.0),
    ("guide me", 1.0), ("information about", 0.8), ("admit card", 1.0),
    ("kaise", 0.8), ("kahan", 0.6), ("kaha", 0.4), ("kaise kare", 1.0), ("kaise karein", 1.0),
    ("kya process", 1.2), ("process kya hai", 1.2), ("prakriya", 1.0), ("batayein", 0.8),
    ("bataye", 0.8), ("bataiye", 0.8), ("batao", 0.6), ("jankari", 0.8), ("jaankari", 0.8),
    ("kab tak", 0.6), ("kitne din", 0.8), ("satyapan", 1.0), ("kiraydar", 1.0), ("kirayedar", 1.0),
    ("kon sa thana", 1.2), ("kaun sa thana", 1.2), ("kis thane", 1.2), ("number kya hai", 1.0),
    ("number chahiye", 1.0),
    ("कैसे", 0.8), ("कहां", 0.6), ("प्रक्रिया", 1.0), ("सत्यापन", 1.0), ("पुलिस सत्यापन", 1.3),
    ("चरित्र प्रमाण पत्र", 1.5), ("चरित्र प्रमाणपत्र", 1.5), ("पासपोर्ट", 1.0), ("किरायेदार", 1.0),
    ("बताएं", 0.8), ("बताइए", 0.8), ("बताइये", 0.8), ("बताये", 0.8), ("जानकारी", 0.8),
    ("कितने दिन", 0.8), ("कब तक", 0.6), ("कौन सा थाना", 1.2), ("किस थाने", 1.2),
    ("नंबर क्या है", 1.0), ("आवेदन", 0.8), ("स्टेटस", 0.8),
];

#[rustfmt::skip]
pub(crate) const APPRECIATION: Words = &[
    ("thank*", 1.0), ("thanku", 1.0), ("thnx", 1.0), ("thx", 1.0), ("tysm", 1.0),
    ("great work", 1.5), ("good work", 1.5), ("great job", 1.5), ("good job", 1.3),
    ("well done", 1.5), ("excellent work", 1.5), ("excellent", 0.8), ("amazing work", 1.5),
    ("salut*", 1.5), ("proud", 1.0), ("kudos", 1.5), ("appreciat*", 1.2), ("grateful", 1.2),
    ("bravo", 1.3), ("hats off", 1.5), ("quick action", 0.8), ("quick response", 0.8),
    ("prompt action", 0.8), ("prompt response", 0.8), ("quick help", 0.8), ("commendable", 1.5), ("heroes", 1.0), ("recovered", 0.8), ("recovering", 0.8),
    ("real hero*", 1.3), ("god bless", 1.0), ("keep it up", 1.3), ("keep up the good work", 1.5),
    ("dhanyavad", 1.5), ("dhanyawad", 1.5), ("dhanyavaad", 1.5), ("dhanyawaad", 1.5),
    ("shukriya", 1.5), ("sukriya", 1.5), ("aabhar", 1.3), ("abhar", 1.3), ("shandar", 1.0),
    ("shandaar", 1.0), ("badhai", 1.0), ("salaam", 1.0), ("naman", 1.0), ("accha kaam", 1.3),
    ("achha kaam", 1.3), ("acha kaam", 1.3), ("sarahniya", 1.5), ("prashansniya", 1.5),
    ("jabardast", 0.8), ("wapas mil*", 1.0), ("wapas dilwa*", 1.0), ("vapas mil*", 1.0),
    ("धन्यवाद", 1.5), ("शुक्रिया", 1.5), ("आभार", 1.3), ("सराहनीय", 1.5), ("प्रशंसनीय", 1.5),
    ("शानदार", 1.0), ("बेहतरीन", 1.0), ("सलाम", 1.0), ("नमन", 1.0), ("बधाई", 1.0),
    ("अच्छा काम", 1.3), ("सराहना", 1.2), ("त्वरित कार्रवाई", 0.8), ("गर्व", 1.0), ("वापस मिल*", 1.0), ("वापस दिलवा*", 1.0),
];

#[rustfmt::skip]
pub(crate) const OTHER: Words = &[
    ("good morning", 1.0), ("good night", 1.0), ("good evening", 1.0), ("happy", 0.5),
    ("happy diwali", 1.0), ("happy holi", 1.0), ("happy new year", 1.0), ("happy birthday", 1.0),
    ("happy independence day", 1.0), ("jai hind", 0.8), ("vande mataram", 0.8),
    ("bharat mata ki jai", 0.8), ("namaste", 0.6), ("namaskar", 0.6), ("ram ram", 0.8),
    ("hello", 0.4), ("follow back", 1.2), ("follow me", 1.2), ("subscribe", 1.0),
    ("my channel", 1.0), ("click here", 1.0), ("check out", 0.6), ("earn money", 1.2),
    ("earn daily", 1.2), ("work from home", 0.8), ("bitcoin", 1.0), ("crypto", 0.8),
    ("giveaway", 1.0), ("promo*", 0.8), ("dm me", 1.0), ("suprabhat", 1.0), ("shubh prabhat", 1.0),
    ("सुप्रभात", 1.0), ("शुभ प्रभात", 1.0), ("जय हिंद", 0.8), ("वंदे मातरम", 0.8),
    ("नमस्ते", 0.6), ("नमस्कार", 0.6), ("राम राम", 0.8), ("शुभकामना*", 1.0),
];

/// Raise `normal` urgency to `high`.
#[rustfmt::skip]
pub(crate) const URGENT: &[&str] = &[
    "urgent", "urgently", "asap", "immediately", "right now", "please hurry", "turant", "jaldi",
    "jldi", "abhi", "abhi ke abhi", "fauran", "तुरंत", "जल्दी", "अभी", "फौरन",
];

/// Phrases that hide the keywords inside them and count for nothing.
#[rustfmt::skip]
pub(crate) const NEUTRAL: &[&str] = &[
    "thanks in advance", "thank you in advance", "advance me thanks", "no thanks", "photo shoot*",
    "film shooting", "viral fever", "abhi tak", "अभी तक", "missed call",
];
