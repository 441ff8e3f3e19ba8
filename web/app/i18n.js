// The web map's words: Vietnamese first (the campaign's own terms), English as a switch. Numbers and dates in
// the language's format (vi-VN: 1.104,67 m²). `t(key, values)` fills {name} placeholders.

const vi = {
  'app.title': 'thuadat · bản đồ thửa đất',
  'lang.switch': 'English',
  'lang.switch.title': 'Switch to English',
  'skip.map': 'Tới bản đồ',
  'skip.work': 'Tới danh sách việc',
  'menu': 'Công cụ',
  'menu.title': 'Tìm thửa, vị trí, ngôn ngữ, API',
  'group.label': 'Tổ dân phố / thôn',
  'group.all': 'Tất cả các tổ',
  'group.search': 'Tìm tổ/thôn',
  'group.none': 'Không có tổ/thôn nào tên “{name}”; đang hiện tất cả các tổ.',
  'group.empty': 'Tổ “{name}” không có thửa nào: không có gì để vẽ.',
  'find.sheet': 'Tờ',
  'find.parcel': 'Thửa',
  'find.submit': 'Tìm',
  'find.bad': 'Hãy nhập số tờ và số thửa là số nguyên, ví dụ tờ 3, thửa 412.',
  'find.none': 'Không có thửa số {number} trên tờ {sheet}.',
  'find.failed': 'Không tìm được: {reason}',
  'find.many': 'Có {n} thửa cùng mang số {number} trên tờ {sheet} (trùng số thửa); đang hiện thửa đầu tiên.',
  'find.many.title': 'Các thửa số {sheet}/{number}',
  'where.placeholder': 'vĩ độ, kinh độ; X, Y hoặc mã thửa',
  'where.label': 'Tọa độ (độ thập phân, độ-phút-giây hoặc VN-2000 X/Y) hoặc mã định danh thửa đất',
  'where.submit': 'Tra cứu',
  'code.many': 'Có {n} thửa cùng mang mã định danh {code}; đang hiện thửa đầu tiên.',
  'code.many.title': 'Các thửa mang mã {code}',
  'code.none': 'Không thửa nào mang mã định danh {code}; đây là thửa tại vị trí mà mã chỉ tới.',
  'where.bad': 'Hãy nhập tọa độ: vĩ độ, kinh độ (20.98343, 105.40321 hoặc 20,98343 105,40321), độ-phút-giây (20°59′00″B 105°24′11″Đ) hoặc VN-2000 X, Y tính bằng mét (X=2320570 Y=541949); có thể thêm độ chính xác (m).',
  'where.noProjected': 'Tọa độ X/Y chỉ dùng được khi dữ liệu ở hệ VN-2000 (hệ của dữ liệu này: {crs}); hãy nhập vĩ độ, kinh độ.',
  'locate': 'Vị trí của tôi',
  'locate.stop': 'Dừng theo dõi',
  'locate.title': 'Theo dõi vị trí của thiết bị',
  'locate.asking': 'Đang lấy vị trí của thiết bị…',
  'locate.noGeo': 'Trình duyệt không cho vị trí ở đây (cần https hoặc localhost): hãy nhập tọa độ.',
  'locate.failed': 'Thiết bị không cho vị trí ({why}): hãy nhập tọa độ.',
  'locate.denied': 'không được cấp quyền',
  'locate.unavailable': 'không xác định được vị trí',
  'locate.timeout': 'quá thời gian chờ',
  'locate.fix': 'Vị trí trung bình của {n} lần đo, ±{acc} m',
  'lookup.failed': 'Tra cứu thất bại: {reason}',
  'lookup.none': 'Không có thửa nào tại {where}: điểm nằm ngoài mọi thửa trên bản đồ ({reason}).',
  'lookup.ambiguous': 'Có nhiều hơn một thửa trong phạm vi {where}: {reason}.',
  'lookup.at': 'Tại {where}',
  'lookup.nothing': 'Không có gì tại {where}',
  'lookup.under': ' (ngay dưới điểm)',
  'lookup.away': ' (cách {d} m)',
  'close': 'Đóng',
  'loading': 'Đang tải bản đồ…',
  'noscript': 'Bản đồ cần JavaScript.',
  'server.down': 'Máy chủ tại {host} không trả lời: `thuadat serve` còn chạy không? ({path})',
  'server.notJson': 'Câu trả lời của máy chủ cho {path} không phải JSON',
  'map.cannotStart': 'Bản đồ không khởi động được: {reason}',
  'map.noWebgl': 'Trình duyệt này không vẽ được bản đồ ({reason}). Cần WebGL.',
  'map.tilesDown': 'Không tải được ô bản đồ: máy chủ tại {host} không trả lời. Bản đồ có thể thiếu.',
  'map.problem': 'Bản đồ báo lỗi: {reason}',
  'map.stopped': 'Bản đồ dừng vì lỗi: {reason}',
  'map.label': 'Bản đồ các thửa đất',
  'zoom.hint': 'Phóng to để thấy các thửa (vẽ từ mức 14; nơi dày đặc vẽ đủ từ mức 16, nhóm 3 và thửa có xung đột trước).',
  'scorecard.parcels': 'Số thửa',
  'scorecard.conflicts': 'Xung đột',
  'scorecard.commune': 'Toàn xã',
  'status.1': 'Nhóm 1: sử dụng được',
  'status.2': 'Nhóm 2: cần chỉnh lý, bổ sung',
  'status.3': 'Nhóm 3: phải xây dựng lại',
  'status.short': 'Nhóm {n}',
  'severity.error': 'Lỗi',
  'severity.warning': 'Cảnh báo',
  'review.open': 'Chưa xử lý',
  'review.acknowledged': 'Đang xử lý',
  'review.resolved': 'Đã khắc phục',
  'review.waived': 'Chấp nhận, bỏ qua',
  'work.title': 'Việc cần làm',
  'work.notLocated': 'Chưa xác định được tổ',
  'work.progress': 'Đã xem xét {done} / {all} xung đột',
  'work.parcelsToo': '{n} thửa cần xử lý khác',
  'work.kinds': 'Loại xung đột (lọc cả bản đồ và danh sách)',
  'work.severity': 'Mức độ',
  'work.status': 'Nhóm thửa',
  'work.review': 'Trạng thái xử lý',
  'work.any': 'Tất cả',
  'work.search': 'Tìm tờ/thửa hoặc mã',
  'work.sort': 'Sắp xếp',
  'work.sort.severity': 'Mức độ',
  'work.sort.number': 'Tờ/thửa',
  'work.sort.kind': 'Loại',
  'work.sort.review': 'Trạng thái',
  'work.page': '{from}–{to} / {n}',
  'work.prevPage': 'Trang trước',
  'work.nextPage': 'Trang sau',
  'work.prev': '◀ Mục trước',
  'work.next': 'Mục sau ▶',
  'work.empty': 'Không có việc nào ở đây.',
  'work.failed': 'Không tải được danh sách việc: {reason}',
  'work.parcelEntry': 'Thửa cần xử lý',
  'work.candidate': 'thửa có thể là {label}',
  'work.cert': 'GCN {id}',
  'work.noPlace': '(không có trên bản đồ)',
  'work.pickGroup': 'Chọn một tổ/thôn để có danh sách việc của tổ.',
  'work.position': 'Mục {i} / {n}',
  'parcel.title': 'Thửa {sheet}/{number}',
  'parcel.id': 'Mã thửa',
  'parcel.sheet': 'Số tờ',
  'parcel.number': 'Số thửa',
  'parcel.landUse': 'Mục đích sử dụng',
  'parcel.group': 'Tổ/thôn',
  'parcel.status': 'Phân nhóm',
  'parcel.area': 'Diện tích bản đồ',
  'parcel.code': 'Mã định danh thửa',
  'parcel.recorded': 'Diện tích ghi nhận',
  'parcel.geometry': 'Hình thửa',
  'parcel.valid': 'hợp lệ',
  'parcel.invalid': 'không hợp lệ',
  'parcel.none': 'Không có thửa “{id}”.',
  'parcel.failed': 'Không tải được thửa: {reason}',
  'parcel.certs': 'Giấy chứng nhận ({n})',
  'parcel.noCert': 'Chưa có giấy chứng nhận nào gắn với thửa này.',
  'parcel.noCertNeeded': 'Loại đất này ({code}) không cấp giấy chứng nhận.',
  'parcel.certOk': 'khớp',
  'parcel.certConflict': 'có xung đột ({n})',
  'parcel.conflicts': 'Xung đột ({n})',
  'parcel.noConflict': 'Không có.',
  'review.save': 'Lưu',
  'review.comment': 'Ghi chú',
  'review.saved': 'Đã lưu: {status}',
  'review.failed': 'Không lưu được: {reason}',
  'review.history': 'Lịch sử',
  'review.historyEmpty': 'Chưa có thay đổi nào.',
  'history.opened': 'Phát hiện khi nhập dữ liệu',
  'history.vanished': 'Không còn sau lần nhập dữ liệu',
  'history.reappeared': 'Xuất hiện lại khi nhập dữ liệu',
  'review.by': '{who}, {when}',
  'review.readonly': 'Quyết định chỉ ghi được trên máy chủ có CSDL (`serve --db`) và với tài khoản có quyền.',
  'holders.title': 'Chủ sử dụng: GCN và CSDL dân cư',
  'holders.cert': 'Trên GCN',
  'holders.register': 'CSDL dân cư',
  'holders.name': 'Họ tên',
  'holders.id': 'Số định danh',
  'holders.birth': 'Ngày sinh',
  'holders.address': 'Địa chỉ',
  'holders.score': 'Điểm khớp {score}',
  'holders.noRecord': 'Không tìm thấy trong CSDL dân cư.',
  'holders.namesake': 'Người trùng tên trong CSDL dân cư nhưng khác số định danh (không phải chủ sử dụng này): {name}, sinh {birth}, số {id}, {address}.',
  'holders.confirm': 'Xác nhận khớp',
  'holders.reject': 'Không khớp',
  'holders.confirmed': 'Đã xác nhận khớp',
  'holders.rejected': 'Đã xác định không khớp',
  'holders.failed': 'Không tải được chủ sử dụng: {reason}',
  'holders.differs': 'khác nhau',
  'holders.newId': 'Số CCCD hiện tại (12 số)',
  'holders.setId': 'Ghi số CCCD',
  'holders.idSet': 'Đã ghi số CCCD, đối chiếu lại: {status}; kiểm tra lại ngay, {vanished} xung đột đã hết, {opened} xung đột mới.',
  'holders.idFailed': 'Không ghi được số CCCD: {reason}',
  'link.matched_by_id': 'khớp theo số định danh',
  'link.matched_by_attributes': 'khớp theo họ tên, ngày sinh',
  'link.mismatch': 'không khớp',
  'link.not_found': 'không tìm thấy',
  'link.id_invalid': 'số định danh không hợp lệ',
  'repoint.title': 'Thửa có thể của GCN {cert}',
  'repoint.button': 'Gán GCN cho thửa {label}',
  'repoint.done': 'Đã gán GCN {cert} cho thửa {label}: kiểm tra lại ngay, {vanished} xung đột đã hết, {opened} xung đột mới.',
  'repoint.failed': 'Không gán được: {reason}',
  'api.title': 'API / QGIS',
  'api.intro': 'Dữ liệu này phục vụ theo chuẩn OGC API – Features và ô vector (MVT) cho QGIS và các phần mềm GIS.',
  'api.features': 'OGC API – Features',
  'api.tilejson': 'TileJSON (ô vector)',
  'api.openapi': 'Tài liệu API (OpenAPI)',
  'api.csv': 'Bảng xung đột (CSV, mở bằng Excel)',
  'api.qgis1': 'QGIS: Lớp (Layer) → Thêm lớp → Thêm lớp WFS / OGC API – Features; tạo kết nối mới với URL: {url}',
  'api.qgis2': 'Ô vector: Trình duyệt → Vector Tiles → Kết nối mới; URL: {url}',
  'api.qgis3': 'Máy chủ có đăng nhập: chọn Xác thực → Basic, dùng tên đăng nhập và mật khẩu của bạn.',
  'account.logout': 'Đăng xuất',
  'role.admin': 'Quản trị',
  'role.officer': 'Cán bộ địa chính',
  'role.field': 'Tổ thực địa',
  'role.viewer': 'Xem',
  'csv': 'Tải bảng xung đột (CSV)',
  'm2': '{n} m²',
};

const en = {
  'app.title': 'thuadat · parcel map',
  'lang.switch': 'Tiếng Việt',
  'lang.switch.title': 'Chuyển sang tiếng Việt',
  'skip.map': 'Skip to the map',
  'skip.work': 'Skip to the work list',
  'menu': 'Tools',
  'menu.title': 'Find a parcel, position, language, API',
  'group.label': 'Residential group',
  'group.all': 'All groups',
  'group.search': 'Search groups',
  'group.none': 'There is no residential group named “{name}”; showing all groups.',
  'group.empty': 'The group “{name}” has no parcels: there is nothing to draw for it.',
  'find.sheet': 'Sheet',
  'find.parcel': 'Parcel',
  'find.submit': 'Find',
  'find.bad': 'Type the sheet and the parcel number as whole numbers, e.g. sheet 3, parcel 412.',
  'find.none': 'There is no parcel number {number} on sheet {sheet}.',
  'find.failed': 'The search failed: {reason}',
  'find.many': '{n} parcels carry number {number} on sheet {sheet} (a duplicate parcel number); showing the first.',
  'find.many.title': 'Parcels numbered {sheet}/{number}',
  'where.placeholder': 'lat, lon; X, Y or parcel code',
  'where.label': 'Coordinates (decimal degrees, degrees-minutes-seconds or VN-2000 X/Y) or a national parcel code',
  'where.submit': 'Look up',
  'code.many': '{n} parcels carry the national code {code}; showing the first.',
  'code.many.title': 'Parcels carrying code {code}',
  'code.none': 'No parcel carries the national code {code}; this is the parcel at the point the code names.',
  'where.bad': 'Type coordinates: latitude, longitude (20.98343, 105.40321 or 20,98343 105,40321), degrees-minutes-seconds (20°59′00″N 105°24′11″E) or VN-2000 X, Y in metres (X=2320570 Y=541949); optionally an accuracy in metres.',
  'where.noProjected': 'X/Y coordinates work only for data in VN-2000 (this dataset: {crs}); type latitude, longitude.',
  'locate': 'Where am I?',
  'locate.stop': 'Stop following',
  'locate.title': 'Follow this device’s position',
  'locate.asking': 'Asking the device for its position…',
  'locate.noGeo': 'This browser gives no position here (geolocation needs https or localhost): type your coordinates instead.',
  'locate.failed': 'No position from this device ({why}): type your coordinates instead.',
  'locate.denied': 'permission was refused',
  'locate.unavailable': 'the position is unavailable',
  'locate.timeout': 'it took too long',
  'locate.fix': 'Average of {n} fixes, ±{acc} m',
  'lookup.failed': 'The look-up failed: {reason}',
  'lookup.none': 'No parcel at {where}: the point is outside every parcel of the map ({reason}).',
  'lookup.ambiguous': 'More than one parcel is within reach of {where}: {reason}.',
  'lookup.at': 'At {where}',
  'lookup.nothing': 'Nothing at {where}',
  'lookup.under': ' (under the point)',
  'lookup.away': ' ({d} m away)',
  'close': 'Close',
  'loading': 'Loading the map…',
  'noscript': 'This map needs JavaScript.',
  'server.down': 'The server at {host} does not answer: is `thuadat serve` still running? ({path})',
  'server.notJson': 'The server’s answer to {path} was not JSON',
  'map.cannotStart': 'The map cannot start: {reason}',
  'map.noWebgl': 'This browser cannot draw the map ({reason}). It needs WebGL.',
  'map.tilesDown': 'Map tiles could not be loaded: the server at {host} does not answer. The map may be incomplete.',
  'map.problem': 'The map reported a problem: {reason}',
  'map.stopped': 'The map stopped with an error: {reason}',
  'map.label': 'Map of parcels',
  'zoom.hint': 'Zoom in to see the parcels (drawn from zoom 14; in dense places every parcel from zoom 16, group 3 and parcels in conflict first below it).',
  'scorecard.parcels': 'Parcels',
  'scorecard.conflicts': 'Conflicts',
  'scorecard.commune': 'Whole commune',
  'status.1': 'Group 1: usable',
  'status.2': 'Group 2: to correct or supplement',
  'status.3': 'Group 3: to rebuild',
  'status.short': 'Group {n}',
  'severity.error': 'Error',
  'severity.warning': 'Warning',
  'review.open': 'Open',
  'review.acknowledged': 'Acknowledged',
  'review.resolved': 'Resolved',
  'review.waived': 'Waived',
  'work.title': 'Work list',
  'work.notLocated': 'Not located in any group',
  'work.progress': '{done} of {all} conflicts reviewed',
  'work.parcelsToo': '{n} more parcels needing work',
  'work.kinds': 'Conflict kinds (filter the map and the list)',
  'work.severity': 'Severity',
  'work.status': 'Parcel group',
  'work.review': 'Review state',
  'work.any': 'Any',
  'work.search': 'Find sheet/parcel or id',
  'work.sort': 'Sort',
  'work.sort.severity': 'Severity',
  'work.sort.number': 'Sheet/parcel',
  'work.sort.kind': 'Kind',
  'work.sort.review': 'Review state',
  'work.page': '{from}–{to} of {n}',
  'work.prevPage': 'Previous page',
  'work.nextPage': 'Next page',
  'work.prev': '◀ Previous',
  'work.next': 'Next ▶',
  'work.empty': 'Nothing to do here.',
  'work.failed': 'The work list could not be loaded: {reason}',
  'work.parcelEntry': 'Parcel needing work',
  'work.candidate': 'likely parcel {label}',
  'work.cert': 'certificate {id}',
  'work.noPlace': '(not on the map)',
  'work.pickGroup': 'Pick a residential group for its work list.',
  'work.position': 'Item {i} of {n}',
  'parcel.title': 'Parcel {sheet}/{number}',
  'parcel.id': 'Id',
  'parcel.sheet': 'Sheet',
  'parcel.number': 'Parcel no.',
  'parcel.landUse': 'Land use',
  'parcel.group': 'Group',
  'parcel.status': 'Classification',
  'parcel.area': 'Mapped area',
  'parcel.code': 'National parcel code',
  'parcel.recorded': 'Recorded area',
  'parcel.geometry': 'Geometry',
  'parcel.valid': 'valid',
  'parcel.invalid': 'invalid',
  'parcel.none': 'There is no parcel “{id}”.',
  'parcel.failed': 'The parcel could not be loaded: {reason}',
  'parcel.certs': 'Certificates ({n})',
  'parcel.noCert': 'No certificate is linked to this parcel.',
  'parcel.noCertNeeded': 'This land use ({code}) never carries a certificate.',
  'parcel.certOk': 'ok',
  'parcel.certConflict': 'in conflict ({n})',
  'parcel.conflicts': 'Conflicts ({n})',
  'parcel.noConflict': 'None.',
  'review.save': 'Save',
  'review.comment': 'Comment',
  'review.saved': 'Saved: {status}',
  'review.failed': 'Could not save: {reason}',
  'review.history': 'History',
  'review.historyEmpty': 'No change yet.',
  'history.opened': 'Found by an import',
  'history.vanished': 'Gone after an import',
  'history.reappeared': 'Back after an import',
  'review.by': '{who}, {when}',
  'review.readonly': 'Decisions are recorded only by a server with the store (`serve --db`) and a login allowed to review.',
  'holders.title': 'Holders: certificate and population register',
  'holders.cert': 'On the certificate',
  'holders.register': 'Population register',
  'holders.name': 'Name',
  'holders.id': 'Id number',
  'holders.birth': 'Born',
  'holders.address': 'Address',
  'holders.score': 'Match score {score}',
  'holders.noRecord': 'Not found in the population register.',
  'holders.namesake': 'A namesake in the population register with another citizen id (not this holder): {name}, born {birth}, id {id}, {address}.',
  'holders.confirm': 'Confirm the match',
  'holders.reject': 'Not the same person',
  'holders.confirmed': 'Match confirmed',
  'holders.rejected': 'Match rejected',
  'holders.failed': 'The holders could not be loaded: {reason}',
  'holders.differs': 'differs',
  'holders.newId': 'Current citizen id (12 digits)',
  'holders.setId': 'Record the id',
  'holders.idSet': 'Id recorded, linked again: {status}; checked again, {vanished} conflicts closed, {opened} opened.',
  'holders.idFailed': 'Could not record the id: {reason}',
  'link.matched_by_id': 'matched by id',
  'link.matched_by_attributes': 'matched by name and birth',
  'link.mismatch': 'mismatch',
  'link.not_found': 'not found',
  'link.id_invalid': 'invalid id',
  'repoint.title': 'Likely parcels of certificate {cert}',
  'repoint.button': 'Point the certificate at {label}',
  'repoint.done': 'Certificate {cert} now points at {label}: checked again, {vanished} conflicts closed, {opened} opened.',
  'repoint.failed': 'Could not re-point it: {reason}',
  'api.title': 'API / QGIS',
  'api.intro': 'This data is served as OGC API – Features and vector tiles (MVT) for QGIS and other GIS software.',
  'api.features': 'OGC API – Features',
  'api.tilejson': 'TileJSON (vector tiles)',
  'api.openapi': 'API definition (OpenAPI)',
  'api.csv': 'Conflict table (CSV, opens in Excel)',
  'api.qgis1': 'QGIS: Layer → Add Layer → Add WFS / OGC API – Features Layer; a new connection with the URL {url}',
  'api.qgis2': 'Vector tiles: Browser → Vector Tiles → New Generic Connection; URL {url}',
  'api.qgis3': 'A server with logins: choose Authentication → Basic with your login and password.',
  'account.logout': 'Log out',
  'role.admin': 'Admin',
  'role.officer': 'Cadastral officer',
  'role.field': 'Field team',
  'role.viewer': 'Viewer',
  'csv': 'Download the conflicts (CSV)',
  'm2': '{n} m²',
};

const KIND = {
  vi: {
    overlap: 'Chồng lấn ranh giới',
    invalid_geometry: 'Hình thửa không hợp lệ',
    duplicate_parcel_number: 'Trùng số thửa',
    unmapped_split: 'Tách thửa chưa cập nhật bản đồ',
    duplicate_certificate: 'Trùng giấy chứng nhận',
    unmatched_certificate: 'GCN không có thửa trên bản đồ',
    parcel_without_certificate: 'Thửa chưa có GCN',
    area_mismatch: 'Lệch diện tích',
    holder_id_invalid: 'Số CCCD/CMND không hợp lệ',
    holder_not_found: 'Chủ sử dụng không có trong CSDL dân cư',
    holder_mismatch: 'Chủ sử dụng không khớp CSDL dân cư',
    gap: 'Khe hở giữa các thửa',
    parcel_code: 'Mã thửa không đúng',
    holder_matched_by_attributes: 'Chủ sử dụng chỉ khớp theo họ tên, ngày sinh',
  },
  en: {
    overlap: 'Overlapping boundaries',
    invalid_geometry: 'Invalid geometry',
    duplicate_parcel_number: 'Duplicate parcel number',
    unmapped_split: 'Split not on the map',
    duplicate_certificate: 'Duplicate certificate',
    unmatched_certificate: 'Certificate without a mapped parcel',
    parcel_without_certificate: 'Parcel without a certificate',
    area_mismatch: 'Area mismatch',
    holder_id_invalid: 'Invalid citizen id',
    holder_not_found: 'Holder not in the register',
    holder_mismatch: 'Holder differs from the register',
    gap: 'Gap between parcels',
    parcel_code: 'Wrong parcel code',
    holder_matched_by_attributes: 'Holder matched by name and birth only',
  },
};

const DICTS = { vi, en };
let lang = 'vi';

/** The language in use: `?lang=`, else the one chosen before (localStorage), else Vietnamese. */
export function initLang() {
  const asked = new URLSearchParams(location.search).get('lang');
  let stored = null;
  try {
    stored = localStorage.getItem('thuadat.lang');
  } catch {
    // storage refused (private mode): Vietnamese
  }
  lang = asked in DICTS ? asked : stored in DICTS ? stored : 'vi';
  document.documentElement.lang = lang;
  return lang;
}

export function getLang() {
  return lang;
}

/** Switches the language and remembers it; the caller redraws. */
export function setLang(l) {
  lang = l in DICTS ? l : 'vi';
  document.documentElement.lang = lang;
  try {
    localStorage.setItem('thuadat.lang', lang);
  } catch {
    // not remembered
  }
}

/** The text of `key` with `{name}` placeholders filled from `values`. */
export function t(key, values = {}) {
  const s = DICTS[lang][key] ?? DICTS.vi[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
}

/** A conflict kind or status reason in words. */
export function kindName(kind) {
  return KIND[lang][kind] || KIND.vi[kind] || kind;
}

const DETAIL_VI = {
  overlap: (m) => `Diện tích chồng lấn ${num(m, 2)} m²`,
  area_mismatch: (m) => `Chênh lệch diện tích giữa GCN và bản đồ: ${num(m * 100, 1)} %`,
  duplicate_certificate: (m) => `${num(m, 0)} giấy chứng nhận cùng số`,
  duplicate_parcel_number: (m) => `${num(m, 0)} thửa cùng số trên một tờ`,
  unmapped_split: (m) => `${num(m, 0)} GCN tách từ thửa này chưa có trên bản đồ`,
  unmatched_certificate: (m) => (m === null ? 'Không tìm được thửa nào có thể khớp' : `Thửa có thể khớp nhất: điểm ${num(m, 2)}`),
  parcel_without_certificate: (m) => `Thửa ${num(m, 2)} m² chưa có GCN`,
  invalid_geometry: () => 'Ranh giới thửa tự cắt, hở hoặc thiếu: cần vẽ lại',
  gap: (m) => `Khe hở ${num(m, 2)} m² giữa các thửa, không thuộc thửa nào`,
  parcel_code: (m, p) => {
    const proposed = p.proposed_code ? `; mã đề xuất ${p.proposed_code.split(';').join(', ')}` : '';
    switch (p.code_defect) {
      case 'empty': return `Thửa chưa có mã định danh${proposed}`;
      case 'malformed': return `Mã định danh “${p.parcel_code}” không đúng dạng (12 ký tự GeoHash, chữ thường)${proposed}`;
      case 'outside': return `Mã định danh “${p.parcel_code}” chỉ một điểm nằm ngoài thửa ${num(m, 2)} m${proposed}`;
      case 'shared': return `${num(m, 0)} thửa cùng mang mã định danh “${p.parcel_code}”${proposed}`;
      default: return 'Mã định danh thửa đất cần kiểm tra';
    }
  },
};

/** The parts of an unmatched certificate's candidate reason (the server says them in English). */
const REASON_VI = {
  'two digits swapped': 'hai chữ số bị đảo chỗ',
  'one digit wrong': 'sai một chữ số',
  'one digit added': 'thừa một chữ số',
  'one digit dropped': 'thiếu một chữ số',
  'two digits added': 'thừa hai chữ số',
  'two digits dropped': 'thiếu hai chữ số',
  'two slips': 'sai hai chỗ',
  'sheet number one slip off': 'số tờ sai một chữ số',
  'fits the torn number': 'khớp với số thửa bị mất chữ',
  'area agrees within 1%': 'diện tích khớp trong 1%',
  'area agrees within 5%': 'diện tích khớp trong 5%',
  'no area to compare': 'không có diện tích để so',
  'no certificate of its own': 'thửa chưa có GCN',
};

/** A candidate's reason in the page's language. */
export function candidateReason(reason) {
  if (!reason || lang === 'en') return reason || '';
  return reason.split('; ').map((part) => {
    const off = /^area differs by (\d+)%$/.exec(part);
    if (off) return `diện tích lệch ${num(Number(off[1]), 0)}%`;
    return REASON_VI[part] || part;
  }).join('; ');
}

/** A conflict's detail in words: the server's sentence in English, one made from its measure in Vietnamese. */
export function detailText(kind, measure, detail, props = {}) {
  if (lang === 'en') {
    // The proposed national code is a property of its own, not in the server's sentence.
    return kind === 'parcel_code' && props.proposed_code ? `${detail}; proposed ${props.proposed_code.split(';').join(', ')}` : detail || '';
  }
  const f = DETAIL_VI[kind];
  return f ? f(measure ?? null, props) : '';
}

/** The look-up's reason from its answer (the server says it in English). */
export function lookupReason(doc) {
  if (lang === 'en') return doc.reason || '';
  const all = [doc.parcel, ...doc.nearby].filter(Boolean);
  const inside = all.filter((p) => p.distance_m === 0).length;
  const acc = num(doc.accuracy_m, 0);
  if (!all.length) return `không có thửa nào trong phạm vi ${acc} m`;
  if (!inside) return `điểm không nằm trong thửa nào; ${all.length} thửa trong phạm vi ${acc} m`;
  if (inside > 1) return `điểm nằm trong ${inside} thửa chồng lấn nhau`;
  return all.length > 1 ? `${all.length - 1} thửa khác trong bán kính sai số ${acc} m` : 'điểm nằm trong một thửa';
}

/** Reasons as written in the reports (`a;b`) in words. */
export function reasonsText(reasons) {
  return (reasons || '').split(';').filter(Boolean).map(kindName).join(', ');
}

const locale = () => (lang === 'vi' ? 'vi-VN' : 'en-GB');

/** A number in the language's format (vi-VN: 1.104,67). */
export function num(n, digits = 1) {
  if (n === null || n === undefined || !Number.isFinite(Number(n))) return '—';
  return Number(n).toLocaleString(locale(), { maximumFractionDigits: digits });
}

/** An area in square metres. */
export function area(n) {
  return n === null || n === undefined ? '—' : t('m2', { n: num(n, 2) });
}

/** A date and time in the language's format, in Vietnam's time. */
export function when(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso || '—';
  return d.toLocaleString(locale(), { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short', timeStyle: 'short' });
}

/** Natural order of names in the language (Tổ dân phố 2 before Tổ dân phố 10). */
export const collator = () => new Intl.Collator(locale(), { numeric: true, sensitivity: 'base' });

/** Every text of the Vietnamese dictionary and the kinds: what a test checks no English is left for. */
export const dictionaries = { vi, en, kinds: KIND };
