/**
 * The 80 COCO classes human's CenterNet detects (its label strings, in class order), each with the Chinese name
 * a Cloud Infinite answer would carry and CI-style categories (FirstCategory, SecondCategory; empty where
 * no finer group fits). Chinese names are the common ones (as in the Chinese COCO class lists), chosen here:
 * CI's own label set is larger and not published.
 */
export interface CocoLabel {
  /** COCO's English class name, as the model reports it. */
  english: string;
  chinese: string;
  firstCategory: string;
  secondCategory: string;
}

export const COCO_LABELS: readonly CocoLabel[] = [
  { english: "person", chinese: "人", firstCategory: "人物", secondCategory: "" },
  { english: "bicycle", chinese: "自行车", firstCategory: "交通工具", secondCategory: "非机动车" },
  { english: "car", chinese: "汽车", firstCategory: "交通工具", secondCategory: "机动车" },
  { english: "motorcycle", chinese: "摩托车", firstCategory: "交通工具", secondCategory: "机动车" },
  { english: "airplane", chinese: "飞机", firstCategory: "交通工具", secondCategory: "航空器" },
  { english: "bus", chinese: "公交车", firstCategory: "交通工具", secondCategory: "机动车" },
  { english: "train", chinese: "火车", firstCategory: "交通工具", secondCategory: "轨道交通" },
  { english: "truck", chinese: "卡车", firstCategory: "交通工具", secondCategory: "机动车" },
  { english: "boat", chinese: "船", firstCategory: "交通工具", secondCategory: "船舶" },
  { english: "traffic light", chinese: "红绿灯", firstCategory: "户外", secondCategory: "交通设施" },
  { english: "fire hydrant", chinese: "消防栓", firstCategory: "户外", secondCategory: "公共设施" },
  { english: "stop sign", chinese: "停车标志", firstCategory: "户外", secondCategory: "交通设施" },
  { english: "parking meter", chinese: "停车计时器", firstCategory: "户外", secondCategory: "交通设施" },
  { english: "bench", chinese: "长椅", firstCategory: "户外", secondCategory: "公共设施" },
  { english: "bird", chinese: "鸟", firstCategory: "动物", secondCategory: "鸟类" },
  { english: "cat", chinese: "猫", firstCategory: "动物", secondCategory: "宠物" },
  { english: "dog", chinese: "狗", firstCategory: "动物", secondCategory: "宠物" },
  { english: "horse", chinese: "马", firstCategory: "动物", secondCategory: "家畜" },
  { english: "sheep", chinese: "羊", firstCategory: "动物", secondCategory: "家畜" },
  { english: "cow", chinese: "牛", firstCategory: "动物", secondCategory: "家畜" },
  { english: "elephant", chinese: "大象", firstCategory: "动物", secondCategory: "野生动物" },
  { english: "bear", chinese: "熊", firstCategory: "动物", secondCategory: "野生动物" },
  { english: "zebra", chinese: "斑马", firstCategory: "动物", secondCategory: "野生动物" },
  { english: "giraffe", chinese: "长颈鹿", firstCategory: "动物", secondCategory: "野生动物" },
  { english: "backpack", chinese: "背包", firstCategory: "物品", secondCategory: "箱包" },
  { english: "umbrella", chinese: "雨伞", firstCategory: "物品", secondCategory: "日用品" },
  { english: "handbag", chinese: "手提包", firstCategory: "物品", secondCategory: "箱包" },
  { english: "tie", chinese: "领带", firstCategory: "物品", secondCategory: "服饰" },
  { english: "suitcase", chinese: "行李箱", firstCategory: "物品", secondCategory: "箱包" },
  { english: "frisbee", chinese: "飞盘", firstCategory: "运动", secondCategory: "运动器材" },
  { english: "skis", chinese: "滑雪板", firstCategory: "运动", secondCategory: "运动器材" },
  { english: "snowboard", chinese: "单板滑雪板", firstCategory: "运动", secondCategory: "运动器材" },
  { english: "sports ball", chinese: "球", firstCategory: "运动", secondCategory: "运动器材" },
  { english: "kite", chinese: "风筝", firstCategory: "运动", secondCategory: "玩具" },
  { english: "baseball bat", chinese: "棒球棒", firstCategory: "运动", secondCategory: "运动器材" },
  { english: "baseball glove", chinese: "棒球手套", firstCategory: "运动", secondCategory: "运动器材" },
  { english: "skateboard", chinese: "滑板", firstCategory: "运动", secondCategory: "运动器材" },
  { english: "surfboard", chinese: "冲浪板", firstCategory: "运动", secondCategory: "运动器材" },
  { english: "tennis racket", chinese: "网球拍", firstCategory: "运动", secondCategory: "运动器材" },
  { english: "bottle", chinese: "瓶子", firstCategory: "物品", secondCategory: "餐具" },
  { english: "wine glass", chinese: "酒杯", firstCategory: "物品", secondCategory: "餐具" },
  { english: "cup", chinese: "杯子", firstCategory: "物品", secondCategory: "餐具" },
  { english: "fork", chinese: "叉子", firstCategory: "物品", secondCategory: "餐具" },
  { english: "knife", chinese: "刀", firstCategory: "物品", secondCategory: "餐具" },
  { english: "spoon", chinese: "勺子", firstCategory: "物品", secondCategory: "餐具" },
  { english: "bowl", chinese: "碗", firstCategory: "物品", secondCategory: "餐具" },
  { english: "banana", chinese: "香蕉", firstCategory: "食物", secondCategory: "水果" },
  { english: "apple", chinese: "苹果", firstCategory: "食物", secondCategory: "水果" },
  { english: "sandwich", chinese: "三明治", firstCategory: "食物", secondCategory: "快餐" },
  { english: "orange", chinese: "橙子", firstCategory: "食物", secondCategory: "水果" },
  { english: "broccoli", chinese: "西兰花", firstCategory: "食物", secondCategory: "蔬菜" },
  { english: "carrot", chinese: "胡萝卜", firstCategory: "食物", secondCategory: "蔬菜" },
  { english: "hot dog", chinese: "热狗", firstCategory: "食物", secondCategory: "快餐" },
  { english: "pizza", chinese: "披萨", firstCategory: "食物", secondCategory: "快餐" },
  { english: "donut", chinese: "甜甜圈", firstCategory: "食物", secondCategory: "甜点" },
  { english: "cake", chinese: "蛋糕", firstCategory: "食物", secondCategory: "甜点" },
  { english: "chair", chinese: "椅子", firstCategory: "家具", secondCategory: "" },
  { english: "couch", chinese: "沙发", firstCategory: "家具", secondCategory: "" },
  { english: "potted plant", chinese: "盆栽", firstCategory: "植物", secondCategory: "" },
  { english: "bed", chinese: "床", firstCategory: "家具", secondCategory: "" },
  { english: "dining table", chinese: "餐桌", firstCategory: "家具", secondCategory: "" },
  { english: "toilet", chinese: "马桶", firstCategory: "家具", secondCategory: "卫浴" },
  { english: "tv", chinese: "电视", firstCategory: "电子产品", secondCategory: "家电" },
  { english: "laptop", chinese: "笔记本电脑", firstCategory: "电子产品", secondCategory: "电脑" },
  { english: "mouse", chinese: "鼠标", firstCategory: "电子产品", secondCategory: "电脑配件" },
  { english: "remote", chinese: "遥控器", firstCategory: "电子产品", secondCategory: "" },
  { english: "keyboard", chinese: "键盘", firstCategory: "电子产品", secondCategory: "电脑配件" },
  { english: "cell phone", chinese: "手机", firstCategory: "电子产品", secondCategory: "" },
  { english: "microwave", chinese: "微波炉", firstCategory: "电子产品", secondCategory: "厨房电器" },
  { english: "oven", chinese: "烤箱", firstCategory: "电子产品", secondCategory: "厨房电器" },
  { english: "toaster", chinese: "烤面包机", firstCategory: "电子产品", secondCategory: "厨房电器" },
  { english: "sink", chinese: "水槽", firstCategory: "家具", secondCategory: "厨卫" },
  { english: "refrigerator", chinese: "冰箱", firstCategory: "电子产品", secondCategory: "家电" },
  { english: "book", chinese: "书", firstCategory: "物品", secondCategory: "文具" },
  { english: "clock", chinese: "时钟", firstCategory: "物品", secondCategory: "日用品" },
  { english: "vase", chinese: "花瓶", firstCategory: "物品", secondCategory: "装饰" },
  { english: "scissors", chinese: "剪刀", firstCategory: "物品", secondCategory: "日用品" },
  { english: "teddy bear", chinese: "泰迪熊", firstCategory: "物品", secondCategory: "玩具" },
  { english: "hair drier", chinese: "吹风机", firstCategory: "电子产品", secondCategory: "家电" },
  { english: "toothbrush", chinese: "牙刷", firstCategory: "物品", secondCategory: "日用品" },
];

const BY_ENGLISH = new Map(COCO_LABELS.map((label) => [label.english, label]));

/** The COCO class with this English name, or undefined for a name the table does not have. */
export function cocoLabel(english: string): CocoLabel | undefined {
  return BY_ENGLISH.get(english);
}
